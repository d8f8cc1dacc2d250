# ruff: noqa: E501
"""The Enterprise SSO event catalogue: event ID -> symbol and message template.

Generated from ``sso-events.tsv`` (parsed from the BizTalk documentation pages
``biztalk/core/single-sign-on-event-NNNNN.md``, MicrosoftDocs/biztalk-docs commit f6e8598). The
table below is that file verbatim except that typographic quotes are replaced by ASCII quotes; to
regenerate, paste the new TSV between the triple quotes (tests/facts/test_events.py compares it to
the copy in tests/data/events/sso-events.tsv).

Templates use the Windows message-file syntax: ``%1``..``%n`` are the event's insertion strings
(``ReplacementStrings``) and ``%r`` a line break. Most data lines look like ``Label: %n``; the
labels ("Secret Server Name", "Error Code", "MSID", "File Name", ...) are what
:func:`fields_from_strings` and :func:`fields_from_message` key their results by.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

_TSV = r"""
id	symbol	message
10500	SSO_ERROR_EVENT_LOG_FAILED	The event logging system encountered an error. The event log messages may not be correct for this application.
10501	SSO_INFO_SERVICE_STARTING	The SSO service is starting.%r Computer Name: %1%r SQL Server Name: %2%r SSO Database Name: %3%r Using SSL. Protocol encryption enforced for SQL Server connections.
10502	SSO_INFO_SERVICE_STARTED	The SSO service has started.
10503	SSO_ERROR_SERVICE_START_FAILED	The SSO service failed to start.%r Error Code: %1
10504	SSO_INFO_SERVICE_STOPPING	The SSO service is stopping.
10505	SSO_INFO_SERVICE_STOPPED	The SSO service has stopped.
10506	SSO_INFO_SERVICE_INSTALL_OK	The SSO service was installed.
10507	SSO_INFO_SERVICE_INSTALL_FAILED	Failed to install the SSO service.%r Error Code: %1
10508	SSO_INFO_SERVICE_REMOVE_OK	The SSO service was removed.
10509	SSO_INFO_SERVICE_REMOVE_FAILED	Failed to remove the SSO service.%r Error Code: %1
10510	SSO_INFO_DLL_LOAD_FAILED	Failed to load %1. Check that this file is available.
10511	SSO_ERROR_NO_DSN	The SQL Server and SSO database names were not found in the registry. Use the SSO administration tools to configure these values.
10512	SSO_ERROR_LOADLIBRARY	Failed to load %1%r Error code: %2.
10513	SSO_ERROR_DB_FIRST_ACCESS	Failed to contact the SSO database: %1%r %2%r Error code: %3
10514	SSO_ERROR_DB_ACCESS	An error occurred while attempting to access the SSO database.%r Function: %1%r File: %2%r %3.%r SQL Error code: %4%r Error code: %5
10515	SSO_ERROR_POLL_DATABASE	Lost contact with the SSO database. Check that the SSO database is available.
10516	SSO_ERROR_BAD_SSO_APP_ADMIN	The SSO Affiliate Administrators account is not valid. If it is a local account check that this account exists on the server. If it is a domain account contact your domain administrator. Enable SSO when the account is valid.%r SSO Affiliate Administrators: %1%r Invalid accounts: %2%r Error Code: %3
10517	SSO_ERROR_BAD_SSO_ADMIN	The SSO Administrators account is not valid. If it is a local account check that this account exists on the server. If it is a domain account contact your domain administrator. Enable SSO when the account is valid.%r SSO Administrators: %1%r Invalid accounts: %2%r Error Code: %3
10518	SSO_WARN_BAD_USER_GROUP	The Application Users account for this application is not valid. If it is a local account check that this account exists on the server. If it is a domain account contact your domain administrator. Enable the application when the account is valid. You can ignore this message if you are not going to use this application on this computer.%r Application Name: %1%r Application Users: %2%r Invalid accounts: %3%r Error Code: %4
10519	SSO_WARN_BAD_APP_ADMIN_GROUP	The Application Administrators account for this application is not valid. If it is a local account check that this account exists on the server. If it is a domain account contact your domain administrator. Enable the application when the account is valid. You can ignore this message if you are not going to use this application on this computer.%r Application Name: %1%r Application Administrators: %2%r Invalid accounts: %3%r Error Code: %4
10520	SSO_WARN_NO_SECRETS	No secrets were found in the registry of the master secret server. Use the configuration tools to generate or restore a master secret.
10521	SSO_ERROR_SECRETS_NOT_LOADED	Could not load secrets from the registry of the master secret server.
10522	SSO_ERROR_REENCRYPT	SSO database re-encryption failed. Will try again in %1 minutes.%r Error Code: %2
10523	SSO_INFO_RESTORE_SECRET_OK	The master secrets were successfully restored.%r File Name: %1%r Current MSID: %2%r Previous MSID: %3%r Client User: %4%r Client Computer: %5
10524	SSO_ERROR_RESTORE_SECRET_FAILED	Failed to restore the master secrets.%r File Name: %1%r Current MSID: %2%r Previous MSID: %3%r Client User: %4%r Error Code: %5
10525	SSO_INFO_GENERATE_SECRET_OK	A new master secret was successfully generated.%r MSID: %1%r Client User: %2%r Client Computer: %3%r Tracking ID: %4
10526	SSO_ERROR_GENERATE_SECRET_FAILED	Failed to generate a new master secret.%r Client User: %1%r Client Computer:%2%r Tracking ID: %3%r Error Code: %4
10527	SSO_ERROR_GET_SECRET_FAILED	A request to get a master secret failed.%r Secret Number: %1%r Client User: %2%r Client Computer: %3%r Tracking ID: %4%r Error Code: %5
10528	SSO_INFO_REENCRYPT_OK	SSO database re-encryption has completed successfully.%r Number of Credentials re-encrypted: %1%r Current MSID: %2%r Previous MSID: %3
10529	SSO_INFO_GOT_CURRENT_SECRET	Got the current secret from the master secret server.%r Secret Server Name: %1%r MSID: %2
10530	SSO_INFO_GOT_PREVIOUS_SECRET	Got the previous secret from the master secret server.%r Secret Server Name: %1%r MSID: %2
10531	SSO_ERROR_GET_SECRET_OK	A request to get a master secret succeeded.%r Secret Number: %1%r MSID: %2%r Client User: %3%r Client Computer: %4%r Tracking ID: %5
10532	SSO_WARN_LOST_SECRET_SERVER	Failed to retrieve master secrets. Verify that the master secret server name is correct and that it is available.%r Secret Server Name: %1%r Error Code: %2
10533	SSO_INFO_GOT_CURRENT_SECRET	Got the current secret from the master secret server.%r Secret Server Name: %1%r MSID: %2
10534	SSO_INFO_SECRET_SERVER_STARTING	This computer is the master secret server.
10535	SSO_INFO_API_AUDIT	SSO AUDIT%r Function: %1%r Tracking ID: %2%r Client Computer: %3%r Client User: %4%r Application Name: %5
10536	SSO_WARN_API_AUDIT	SSO AUDIT%r Function: %1%r Tracking ID: %2%r Client Computer: %3%r Client User: %4%r Application Name: %5%r Error Code: %6
10537	SSO_WARN_SSO_DISABLED	The SSO system is currently disabled.
10538	SSO_WARN_APP_DISABLED	The application is currently disabled.%r Application Name: %1
10539	SSO_WARN_SSO_TICKETS_NOT_ALLOWED	Tickets are not enabled for the SSO system.
10540	SSO_WARN_APP_TICKETS_NOT_ALLOWED	Tickets are not enabled for this application.%r Application Name: %1
10541	SSO_WARN_SSO_TICKETS_VALIDATED	Tickets cannot be redeemed without being validated.
10542	SSO_WARN_APP_TICKETS_VALIDATED	Tickets cannot be redeemed for this application without being validated.%r Application Name: %1
10543	SSO_WARN_ORIGINAL_TICKET_VALIDATED	The ticket was issued with validation required. It cannot be redeemed for this application without being validated.%r Application Name: %1
10544	SSO_WARN_TICKET_EXPIRED	The ticket has expired.%r Application Name: %1
10545	SSO_WARN_ISSUE_TICKETS_NOT_ALLOWED	Tickets are not enabled for the SSO system.
10547	SSO_WARN_UPDATE_FAILED	Failed to update the credentials in the SSO database during re-encryption
10548	SSO_INFO_CREATE_DATABASE_OK	The SSO database was created and initialized .%r SQL Server Name: %1%r SSO Database Name: %2%r Client User: %3
10549	SSO_ERROR_CREATE_DATABASE_FAILED	Creation and initialization of the SSO database failed.%r SQL Server Name: %1%r SSO Database Name: %2%r Client User: %3%r Error Code: %4
10550	SSO_ERROR_SERVICE_NOT_SSO_ADMIN	The SSO service could not start because the service account it is running under is not a member of the SSO Administrators account.%r SSO Administrators: %1%r SSO Service Account: %2
10551	SSO_WARN_INVALID_USER	A mapping could not be created because the specified user is not valid for this application.%r Domain Name: %1%r User Name: %2%r Application Name: %3%r Application Users: %4
10552	SSO_ERROR_MAPPING_CALLBACK_ACCESS_DENIED	Mapping server access denied.%r
10553	SSO_ERROR_ADMIN_CALLBACK_ACCESS_DENIED	Admin server access denied.%r
10554	SSO_ERROR_LOOKUP_CALLBACK_ACCESS_DENIED	Lookup server access denied.%r
10555	SSO_ERROR_SECRET_CALLBACK_ACCESS_DENIED	Secret server access denied.%r Client User: %1
10556	SSO_WARN_INVALID_GROUP_USER	The mapping specified for a Group application is not valid. The mapping must specify one of the Application Users accounts for this application.%r Domain Name: %1%r User Name: %2%r Application Name: %3%r Application Users: %4
10557	SSO_WARN_USER_NOT_ALLOWED_FOR_GROUPS	Application Users are not allowed to control mappings for Group applications.%r Domain Name: %1%r User Name: %2%r Application Name: %3%r Client User: %4
10558	SSO_WARN_USER_OWN_MAPPINGS	Application Users are only allowed to control their own mappings.%r Domain Name: %1%r User Name: %2%r Application Name: %3%r Client User: %4
10559	SSO_INFO_BACKUP_SECRET_OK	The master secrets were successfully backed up.%r File Name: %1%r Current MSID: %2%r Previous MSID: %3%r Client User: %4%r Client Computer: %5
10560	SSO_ERROR_BACKUP_SECRET_FAILED	Failed to back up the master secrets.%r File Name: %1%r Current MSID: %2%r Previous MSID: %3%r Client User: %4%r Error Code: %5
10561	SSO_ERROR_BACKUP_FAILED_MEDIA	The file specified for backup of the master secrets must be on an NTFS file system or removable media.%r File Name: %1%r Client User: %2%r Client Computer: %3%r Error Code: %4
10562	SSO_INFO_REENCRYPT_STARTING	SSO database re-encryption is in progress.
10563	SSO_WARN_PERFMON_FAILED	Performance monitoring failed to start.%r Error Code: %1
10564	SSO_ERROR_BACKUP_FILE_INCORRECT_FORMAT	The backup file does not have the correct format.
10565	SSO_ERROR_SECRET_VALIDATE_FAILED	The secret could not be loaded from the registry. The service account for the SSO service may have been changed or the secret may be corrupted. Restore the secret from a backup file.%r MSID: %1
10566	SSO_WARN_CANNOT_UPDATE_APP_FLAGS	You cannot update some of the specified flags for this application. They will be ignored.%r Application Name: %1%r Specified Flag Mask: %2
10567	SSO_WARN_INVALID_APP_USER_GROUP	The Application Users account is not valid for application update.%r Application Name: %1%r Application Users: %2%r Invalid accounts: %3%r Error Code: %4
10568	SSO_WARN_INVALID_APP_ADMIN_GROUP	The Application Administrators account is not valid for application update.%r Application Name: %1%r Application Administrators: %2%r Invalid accounts: %3%r Error Code: %4
10569	SSO_WARN_NO_UPDATE_BY_APP_ADMIN	The Application Administrators account cannot be changed by an Application Administrator.%r Application Name: %1%r Application Administrators: %2%r Error Code: %3
10570	SSO_WARN_SSO_DISABLED_FOR_CHANGE_SSO_ADMIN	To update the SSO Administrators account name you must first disable SSO.%r
10571	SSO_WARN_SSO_NOT_IN_NEW_SSO_ADMIN	To change the SSO Administrators account name the SSO service account must be a member of the new SSO Administrators account.%r SSO Service Account: %1%r New SSO Administrators: %2
10572	SSO_WARN_SSO_DISABLED_FOR_CHANGE_SSO_AFF_ADMIN	To update the SSO Affiliate Administrators account name you must first disable SSO.%r
10573	SSO_WARN_INVALID_SSO_APP_ADMIN_GROUP	The SSO Affiliate Administrators account is not valid for global info update.%r SSO Affiliate Administrators: %1%r Invalid accounts: %2%r Error Code: %3
10574	SSO_WARN_INVALID_SSO_ADMIN_GROUP	The SSO Administrators account is not valid for global info update.%r SSO Administrators: %1%r Invalid accounts: %2%r Error Code: %3
10575	SSO_INFO_CHANGED_SECRET_SERVER	Updated secret server name.%r New Secret Server: %1%r Old Secret Server: %2%r Tracking ID: %3%r Client Computer: %4%r Client User: %5
10576	SSO_INFO_CHANGED_SSO_ADMIN	Updated SSO Administrators account.%r New SSO Administrators: %1%r Old SSO Administrators: %2%r Tracking ID: %3%r Client Computer: %4%r Client User: %5
10577	SSO_INFO_CHANGED_SSO_AFF_ADMIN	Updated SSO Affiliate Administrators account.%r New SSO Affiliate Administrators: %1%r Old SSO Affiliate Administrators: %2%r Tracking ID: %3%r Client Computer: %4%r Client User: %5
10578	SSO_INFO_CHANGED_APP_USER_GROUP	Updated Application Users account.%r New Application Users: %1%r Old Application Users: %2%r Tracking ID: %3%r Client User: %4%r Application Name: %5
10579	SSO_INFO_CHANGED_APP_ADMIN_GROUP	Updated Application Administrators account.%r New Application Administrators: %1%r Old Application Administrators: %2%r Tracking ID: %3%r Client User: %4%r Application Name: %5
10580	SSO_INFO_APP_ENABLED	The application was enabled.%r Tracking ID: %1%r Client Computer: %2%r Client User: %3%r Application Name: %4
10581	SSO_INFO_APP_DISABLED	The application was disabled.%r Tracking ID: %1%r Client Computer: %2%r Client User: %3%r Application Name: %4
10582	SSO_INFO_SSO_ENABLED	The SSO system was enabled.%r Tracking ID: %1%r Client Computer: %2%r Client User: %3
10583	SSO_INFO_SSO_DISABLED	The SSO system was disabled.%r Tracking ID: %1%r Client Computer: %2%r Client User: %3
10584	SSO_WARN_NO_IMPERSONATION	Could not impersonate the client.%r Error Code: %1
10585	SSO_WARN_EXPIRED_TICKET_REDEEMED	A ticket is being redeemed after the ticket time-out period has expired. This is allowed because the ticket time-out is disabled for this application.%r Application Name: %1
10586	SSO_WARN_CRED_CACHE_OFF	The credential cache has been disabled for this SSO server.
10587	SSO_INFO_CRED_CACHE_SIZE_CHANGED	The credential cache size has been changed for this SSO server.%r Credential Cache Size: %1
10588	SSO_WARN_SQL_NOT_FOUND	The specified SQL Server was not found. Check that the SQL Server name is correct and that SQL Server is running on that computer.%r SQL Server Name: %1
10589	SSO_ERROR_BACKUP_SECRET_REQUIRED	The master secret has not been backed up. If you lose the master secret all the information stored in the SSO system will be lost permanently and your systems may fail to work correctly. Please use the SSO administration tools to back up your master secret.
10590	SSO_ERROR_OUT_OF_SERVICE	Enterprise Single Sign-On is going offline.
10591	SSO_INFO_IN_SERVICE	Enterprise Single Sign-On is back online.
10592	SSO_WARN_TICKET_DECRYPT_FAILED	The ticket could not be decrypted. The ticket is not valid or it may have expired.%r Application Name: %1%r Error Code: %2
10593	SSO_WARN_TICKET_BAD_FORMAT	The ticket does not have the correct format.%r Application Name: %1
10594	SSO_WARN_TICKET_VALIDATE_FAILED	Validation of the ticket failed. The sender name must match that of the ticket issuer.%r Application Name: %1%r Ticket Issued By: %2%r Sender Name: %3
10595	SSO_WARN_APP_INCOMPLETE_FIELDS	The application cannot be enabled because the fields are incomplete for this application.%r Application Name: %1%r Number of Fields Defined: %2%r Number of Fields Created: %3
10596	SSO_WARN_TICKET_USER_NOT_IN_GROUP	The ticket cannot be redeemed because the user for whom the ticket was issued is not a member of the Application Users account.%r Application Name: %1%r Ticket Issued For: %2%r Application Users: %3
10597	SSO_WARN_CALLER_NOT_IN_NEW_SSO_ADMIN	The client user must be a member of the new SSO Administrators account to change the SSO Administrators account name.%r Client User: %1%r New SSO Administrators: %2
10598	SSO_WARN_BACKUP_RESTORE_FILE_VERSION_1	The master secrets were restored from an older format backup file.
10599	SSO_WARN_ENTSSO_IS_ADMIN	The SSO service is running under a local administrator account. This is not recommended for security reasons. See documentation for details.%r SSO Service Account: %1
10600	SSO_ERROR_CS_CALLBACK_ACCESS_DENIED	Config Store server access denied.%r
10601	SSO_WARN_INVALID_FLAGS	The specified flags are not valid for creating this type of application. See documentation for details.%r Application Name: %1%r Specified Flags: %2%r Allowed Flags: %3%r Not Allowed Flags: %4
10602	SSO_ERROR_RPC_FAILURE	RPC failure. Please check your network configuration.%r Error Code: %1
10603	SSO_WARN_DB_ACCESS	Could not access the SSO database. If this condition persists, the SSO service will go offline.%r %1.%r SQL Error code: %2
10604	SSO_ERROR_SSOCSTX_OUT_OF_PROC	The 'ENTSSO Server' COM+ application is not configured correctly. It must be a COM+ library application.
10605	SSO_ERROR_DTC_IMPORT	Could not import a DTC transaction. Please check that MSDTC is configured correctly for remote operation. See documentation for details.%r Error Code: %1
10606	SSO_INFO_TICKETS_ENABLED	Tickets have been enabled for the SSO system.%r Tracking ID: %1%r Client Computer: %2%r Client User: %3
10607	SSO_INFO_TICKETS_DISABLED	Tickets have been disabled for the SSO system.%r Tracking ID: %1%r Client Computer: %2%r Client User: %3
10608	SSO_INFO_TICKETS_ENABLED_FOR_APP	Tickets have been enabled for the application.%r Tracking ID: %1%r Client Computer: %2%r Client User: %3%r Application Name: %4
10609	SSO_INFO_TICKETS_DISABLED_FOR_APP	Tickets have been disabled for the application.%r Tracking ID: %1%r Client Computer: %2%r Client User: %3%r Application Name: %4
10610	SSO_WARN_CRED_CACHE_FAILED	The credential cache has encountered an unexpected error and has shut down. This may affect performance.%r Error Code: %1
10611	SSO_INFO_SERVICE_STARTING_NO_SSL	The SSO service is starting.%r Computer Name: %1%r SQL Server Name: %2%r SSO Database Name: %3%r Not using SSL. See documentation for details on how to secure the SQL Server connection.
10612	SSO_WARN_TRANSACTION_TIMEOUT	The transaction time-out exceeds the recommended maximum for this operation. See documentation for details.%r Transaction ID: %1%r Transaction time-out: %2 minutes (zero indicates an infinite time-out)%r Recommended maximum: %3 minutes
10613	SSO_ERROR_RPC_CALLBACK	SSO server access denied.%r Client User: %1%r RPC call information: %2:%3%r Error Code: %4
10614	SSO_WARN_INVALID_TICKET_TIMEOUT	The ticket time-out value is not valid for global info update.%r Ticket time-out: %1 minutes%r Minimum ticket time-out: 1 minute%r Maximum ticket time-out: %2 minutes%r Error Code: %3
10615	SSO_WARN_NO_UPDATE_TICKET_TIMEOUT	The client user must be a member of the SSO Administrators account to change the ticket time-out for an application.%r Client User: %1%r SSO Administrators: %2%r Application Name: %3%r Error Code: %4
10650	SSO_INFO_PASSWORD_SYNC_STARTING	Password sync services are available for this computer.%r
10651	SSO_INFO_PASSWORD_SYNC_STARTED	Password sync services were initialized OK.%r
10652	SSO_ERROR_PASSWORD_SYNC_START_FAILED	Password sync services failed to initialize.%r Error Code: %1
10653	SSO_ERROR_PS_ADAPTER_CALLBACK_ACCESS_DENIED	Password sync server (for adapters) access denied.%r
10654	SSO_ERROR_PS_WINDOWS_CALLBACK_ACCESS_DENIED	Password sync server (for Windows) access denied.%r
10655	SSO_ERROR_PS_PING_CALLBACK_ACCESS_DENIED	Password sync server (for ping) access denied.%r Client User: %1
10656	SSO_INFO_PASSWORD_SYNC_ADAPTERS_STARTING	Password sync for external adapters is starting.%r
10657	SSO_INFO_PASSWORD_SYNC_ADAPTERS_STARTED	Password sync for external adapters has started.%r
10658	SSO_ERROR_PASSWORD_SYNC_ADAPTERS_START_FAILED	Password sync for external adapters failed to start.%r Error Code: %1
10659	SSO_INFO_PASSWORD_SYNC_WINDOWS_STARTING	Password sync for Windows (from PCNS) is starting.%r
10660	SSO_INFO_PASSWORD_SYNC_WINDOWS_STARTED	Password sync for Windows (from PCNS) has started.%r
10661	SSO_ERROR_PASSWORD_SYNC_WINDOWS_START_FAILED	Password sync for Windows (from PCNS) failed to start.%r Error Code: %1
10662	SSO_INFO_WINDOWS_PASSWORD_CHANGE_RECEIVED	A Windows password change was received from PCNS.%r Tracking ID: %1%r Windows Account: %2%r Additional Data: %3%r Client User: %4
10663	SSO_INFO_EXTERNAL_PASSWORD_CHANGE_RECEIVED	An external password change was received from an adapter.%r Tracking ID: %1%r Adapter: %2%r External Account: %3%r Client User: %4%r Client Computer: %5
10664	SSO_INFO_TIMESTAMP	PASSWORD SYNC TIMESTAMP%r Tracking ID: %1%r Function: %2%r File Time: %3%r System Time: %4%r Local Time: %5
10665	SSO_WARN_NO_PROPERTIES	Error reading password sync adapter properties. Using defaults.%r Adapter: %1%r Error Code: %2
10666	SSO_INFO_DAMPED_EXTERNAL_PASSWORD_CHANGE	An external password change was damped (detected as a duplicate and discarded).%r Tracking ID: %1%r Adapter: %2%r External Account: %3
10667	SSO_INFO_SUPPRESSED_DUPLICATE_WINDOWS_PASSWORD_CHANGE	Suppressed duplicate Windows password change.%r Tracking ID: %1%r Adapter: %2%r Windows Account: %3
10668	SSO_WARN_NO_OLD_WINDOWS_PASSWORD	Cannot change the Windows password because the old Windows password for this account is not available in the SSO database.%r Use the SSO administration tools to set the external credentials for this Windows account.%r Tracking ID: %1%r Adapter: %2%r Windows Account: %3
10669	SSO_WARN_CHANGE_WINDOWS_PASSWORD_FAILED	Failed to change the Windows password.%r Tracking ID: %1%r Adapter: %2%r Windows Account: %3%r Error Code: %4
10670	SSO_INFO_CHANGED_WINDOWS_PASSWORD	Successfully changed the Windows password.%r Tracking ID: %1%r Adapter: %2%r Windows Account: %3
10671	SSO_INFO_EXTERNAL_MAPPING_CONFLICT_ALLOWED	A Windows password change will cause changes to more than one account on the same external system.%r This is allowed because the adapter for this external system is configured to allow mapping conflicts.%r Tracking ID: %1%r Adapter: %2%r Windows Account: %3%r External Account 1: %4%r External Account 2: %5
10672	SSO_WARN_EXTERNAL_MAPPING_CONFLICT_NOT_ALLOWED	A Windows password change would have caused changes to more than one account on the same external system.%r This has been prevented because the adapter for this external system is configured to not allow mapping conflicts.%r Tracking ID: %1%r Adapter: %2%r Windows Account: %3%r External Account 1: %4%r External Account 2: %5
10673	SSO_INFO_WINDOWS_MAPPING_CONFLICT_ALLOWED	An external password change will cause changes to more than one Windows account.%r This is allowed because the adapter for this external system is configured to allow mapping conflicts.%r Tracking ID: %1%r Adapter: %2%r External Account: %3%r Windows Account 1: %4%r Windows Account 2: %5
10674	SSO_WARN_WINDOWS_MAPPING_CONFLICT_NOT_ALLOWED	An external password change would have caused changes to more than one Windows account.%r This has been prevented because the adapter for this external system is configured to not allow mapping conflicts.%r Tracking ID: %1%r Adapter: %2%r External Account: %3%r Windows Account 1: %4%r Windows Account 2: %5
10675	SSO_INFO_WINDOWS_PASSWORD_SET	The Windows password was successfully updated in the SSO database.%r Tracking ID: %1%r Windows Account: %2%r Application Name: %3%r External Account: %4
10676	SSO_ERROR_REQUIRE_OLD_PASSWORD	External password change. When changing the password for an external account the adapter must supply the old password.%r Tracking ID: %1%r Adapter: %2%r External Account: %3
10677	SSO_WARN_NO_EXISTING_PASSWORD	External password change. The old password cannot be verified because there are no existing credentials for this external account.%r Tracking ID: %1%r Adapter: %2%r Application Name: %3%r External Account: %4
10678	SSO_WARN_PASSWORD_MISMATCH	External password change. The old password supplied by the adapter does not match the existing password for the external account.%r Tracking ID: %1%r Adapter: %2%r Application Name: %3%r External Account: %4
10679	SSO_WARN_PS_MAPPING_DISABLED	External password change. The password was not changed for the external account because the mapping is disabled.%r Tracking ID: %1%r Adapter: %2%r Application Name: %3%r External Account: %4
10680	SSO_WARN_PS_GET_CREDS_FAILED	The password was not changed for the external account because the existing external credentials could not be obtained from the SSO database.%r Tracking ID: %1%r Adapter: %2%r Application Name: %3%r External Account: %4%r Error Code: %5
10681	SSO_WARN_NO_WINDOWS_PASSWORD_CHANGE	External password change. The Windows password was not changed because one or more of the external account changes failed.%r Tracking ID: %1%r Adapter: %2%r Windows Account: %3
10682	SSO_WARN_REPLAY_INVALID_DIR_FOUND	A directory was found in the replay files directory - it will be ignored.%rDirectory: %1
10683	SSO_WARN_REPLAY_FILE_DELETED_TOO_OLD	A replay file was deleted because it was too old.%rReplay File: %1
10685	SSO_WARN_REPLAY_CANNOT_OPEN	Could not open the replay or progress file.%r File Name: %1%r Error Code: %2
10686	SSO_INFO_REPLAY_STARTED	Replaying stored external password changes.%r Replay File: %1
10687	SSO_INFO_REPLAY_COMPLETE	Replay of stored external password changes completed.%r Replay File: %1%r Additional Data: %2
10688	SSO_ERROR_REPLAY_FILE_UNEXPECTED_DATA	Corruption was detected in the replay file.%r Replay File: %1
10689	SSO_ERROR_REPLAY_INCORRECT_RECORD_VERSION	Corruption was detected in the replay file.%r Replay File: %1
10690	SSO_ERROR_REPLAY_INCORRECT_RECORD_NUMBER	Corruption was detected in the replay file.%r Replay File: %1
10691	SSO_ERROR_REPLAY_FILE_MISMATCH	Corruption was detected in the replay file.%r Replay File: %1%r Additional Data: %2
10692	SSO_WARN_REPLAY_ACCESS_DENIED	The external password change cannot be replayed because the original caller is no longer a member of the access account for the adapter.%r Replay File: %1%r Adapter: %2%r Original Caller: %3%r Access Account: %4
10693	SSO_WARNING_REPLAY_CANNOT_CREATE	Could not create the replay or progress file.%r File Name: %1%r Error Code: %2
10694	SSO_ERROR_REPLAY_INCORRECT_VERSION	Corruption was detected in the replay or progress file.%r File Name: %1
10695	SSO_ERROR_REPLAY_INCORRECT_FILE_NAME	Corruption was detected in the replay or progress file.%r File Name: %1%r Decrypted File Name: %2
10696	SSO_ERROR_PROGRESS_INCORRECT_RECORD_VERSION	Corruption was detected in the progress file.%r File Name: %1
10697	SSO_ERROR_PROGRESS_FILE_MISMATCH	Corruption was detected in the progress file.%r Replay File: %1%r Additional Data: %2
10698	SSO_INFO_REPLAY_FILE_DELETED	The replay or progress file was deleted.%r File Name: %1
10699	SSO_INFO_EXTERNAL_PASSWORD_CHANGE_RECEIVED_REPLAY	An external password change was received from an adapter (from replay file).%r Tracking ID: %1%r Adapter: %2%r External Account: %3%r Client User: %4%r Record Number: %5
10705	SSO_WARN_PS_NOT_ADAPTER	The specified adapter is not an adapter application. Check the application type.%r Adapter: %1
10706	SSO_WARN_PS_NO_GLOBAL_SYNC	Group adapters require password sync to be allowed by the global flags. Check the global flags.%r Adapter: %1
10707	SSO_WARN_PS_NO_APP_SYNC	Password sync flags for this adapter must allow password sync and must match the global flags. Check the adapter flags and the global flags.%r Adapter: %1
10708	SSO_WARN_PS_NO_WIN_SYNC	Password sync from Windows is not allowed. Check the global flags.%r Tracking ID: %1%r Client User: %2
10709	SSO_WARN_PS_PCNS_ACCESS_DENIED	Windows password changes from PCNS will only be accepted from Domain Controllers in the access domain.%r Tracking ID: %1%r Client User: %2%r Access Domain: %3%r Access Sid: %4%r Error Code: %5
10710	SSO_INFO_PS_WIN_CHANGE_DAMPED	A Windows password change was damped (detected as a duplicate and discarded).%r Tracking ID: %1%r Windows Account: %2%r Client User: %3
10711	SSO_WARN_PS_MISSING_INITIAL_CREDS	External password change. Some missing external credential fields for this mapping have been set to default values.%r Tracking ID: %1%r Adapter: %2%r Application Name: %3%r External Account: %4
10712	SSO_WARN_PS_NOTIFICATION_TOO_OLD	A notification was discarded because it was too old.%r Tracking ID: %1%r Adapter: %2%r Notification Type: %3%r Additional Data: %4
10713	SSO_INFO_PS_DUPLICATE_EXTERNAL_CHANGE	Suppressed duplicate external password change.%r Tracking ID: %1%r Adapter: %2%r External Account: %3
10714	SSO_WARN_PS_NOTIFICATION_RETRIES_EXPIRED	Retries expired, discarding notification.%r Tracking ID: %1%r Adapter: %2
10715	SSO_WARN_NO_CREATE_ADAPTER	The client user must be a member of the SSO Administrators account to create adapters.%r Client User: %1%r SSO Administrators: %2%r Adapter: %3%r Error Code: %4
10716	SSO_INFO_NEW_REPLAY_DIR	Successfully created a new replay files directory.%r Client User: %1%r Replay Files Directory: %2
10717	SSO_ERROR_NEW_REPLAY_DIR_FAILED	Failed to create the replay files directory.%r Client User: %1%r Replay Files Directory: %2%r Error Code: %3
10718	SSO_ERROR_REPLAY_INCORRECT_ADAPTER	Corruption was detected in the replay or progress file.%r File Name: %1%r Clear Adapter Name: %2%r Decrypted Adapter Name: %3
10719	SSO_INFO_REPLAY_FILE_CREATED	A new replay file was successfully created.%r Adapter: %1%r File Name: %2
10720	SSO_INFO_REPLAY_RECORD_WRITTEN	An external password change was successfully stored in the replay file.%r Tracking ID: %1%r Adapter: %2%r External Account: %3%r File Name: %4%r Record Number: %5
10721	SSO_INFO_REPLAY_FILE_CLOSED_FULL	The replay file has been closed because it is full.%r File Name: %1
10722	SSO_INFO_REPLAY_FILE_CLOSED_IDLE	The replay file has been closed because it is not currently in use.%r File Name: %1
10723	SSO_ERROR_REPLAY_SECURITY_1	The security on the replay files directory does not match the security on the replay or progress file.%r File Name: %1%r File Security: %2%r Directory Security: %3
10724	SSO_ERROR_REPLAY_SECURITY_2	The security on the replay or progress file has been changed from its original value.%r File Name: %1%r Current File Security: %2%r Original File Security: %3
10725	SSO_ERROR_REPLAY_SECURITY_3	The security on the replay files directory does not match the security on the replay or progress file.%r File Name: %1%r File Security: %2%r Directory Security: %3
10726	SSO_ERROR_REPLAY_CORRUPTION	Corruption was detected in the replay or progress file.%r File Name: %1%r Additional Data: %2%r Error Code: %3
10727	SSO_WARN_REPLAY_RECORD_FAILED	Replay of the stored external password change failed.%r Adapter: %1%r File Name: %2%r Error Code: %3
10728	SSO_ERROR_VERSION	This version of the SSO server is not compatible with the SSO database. Please upgrade your master secret server.%r SQL Server Name: %1%r SSO Database Name: %2%r SSO Database Version: %3%r Required Version: %4
10729	SSO_INFO_PROGRESS_RECORD_WRITTEN	A new progress file was successfully created.%r Adapter: %1%r File Name: %2%r Record Number: %3
10730	SSO_INFO_PROGRESS_RECORD_READ	The record number was successfully read from the progress file.%r Adapter: %1%r File Name: %2%r Record Number: %3
10731	SSO_WARN_INVALID_USER_NOT_IN_GROUP	A mapping could not be created because the specified user is not a member of the Application Users account.%r Domain Name: %1%r User Name: %2%r Application Name: %3%r Application Users: %4%r Error Code: %5
10732	SSO_INFO_PS_SET_WINDOWS_PASSWORD	The Windows password was successfully updated in the SSO database.%r Tracking ID: %1%r Windows Account: %2\\%3
10733	SSO_WARN_PS_SET_WINDOWS_PASSWORD	Failed to update the Windows password in the SSO database.%r Tracking ID: %1%r Windows Account: %2\\%3%r Error Code: %4
10734	SSO_INFO_PS_NOTIFICATION_QUEUED	A notification was queued for an adapter.%r Tracking ID: %1%r Adapter: %2%r External Account: %3%r Windows Account: %4\\%5
10735	SSO_WARN_PS_APP_DISABLED	External password change. The password was not changed for the external account because the application is disabled.%r Tracking ID: %1%r Adapter: %2%r Application Name: %3%r External Account: %4
10736	SSO_INFO_PS_SET_EXTERNAL_PASSWORD	The external password was successfully updated in the SSO database.%r Tracking ID: %1%r Adapter: %2%r Application Name: %3%r External Account: %4
10737	SSO_WARN_PS_SET_EXTERNAL_PASSWORD	Failed to update the external password in the SSO database.%r Tracking ID: %1%r Adapter: %2%r Application Name: %3%r External Account: %4%r Error Code: %5
10738	SSO_INFO_PS_SET_WINDOWS_PASSWORD_ADAPTER	The Windows password was successfully updated in the SSO database.%r Tracking ID: %1%r Adapter: %2%r Windows Account: %3\\%4
10739	SSO_WARN_PS_SET_WINDOWS_PASSWORD_ADAPTER	Failed to update the Windows password in the SSO database.%r Tracking ID: %1%r Adapter: %2%r Windows Account: %3\\%4%r Error Code: %5
10740	SSO_WARN_INVALID_WINDOWS_USER	The Windows Account is not valid for application update.%r Application Name: %1%r Windows Account: %2%r Error Code: %3
10741	SSO_WARN_SAVING_REPLAY_FILE	Saving replay or progress file.%r Saved File: %1%r Error Code: %2
10742	SSO_WARN_NO_UPDATE_ADAPTER	The client user must be a member of the SSO Administrators account or the Application Administrators account to update the adapter.%r Client User: %1%r SSO Administrators: %2%r Application Administrators: %3%r Adapter: %4%r Error Code: %5
10743	SSO_ERROR_REPLAY_STOPPED	Replay of stored external password changes stopped due to errors.%r Replay File: %1%r Additional Data: %2%r Error Code: %3
10744	SSO_INFO_ADAPTER_ONLINE	The adapter is online.%r Tracking ID: %1%r Adapter: %2
10745	SSO_ERROR_ADAPTER_OFFLINE	The adapter is offline.%r Tracking ID: %1%r Adapter: %2%r Error Message: %3%r Error Code: %4
10746	SSO_WARN_PASSWORD_EXPIRED	The password for the external account has expired.%r Tracking ID: %1%r Adapter: %2%r External Account: %3
10747	SSO_ERROR_UNKNOWN_NOTIFICATION	An unknown notification type was received.%r Tracking ID: %1%r Adapter: %2%r Notification Type: %3
10748	SSO_WARN_PS_ADAPTER_NOT_RUNNING	Could not contact the destination adapter. It may not be running or initialized.%r Tracking ID: %1%r Adapter: %2%r SSO Server Name: %3%r Error Code: %4
10749	SSO_WARN_PS_CLIENT_PING	Could not contact the destination SSO server. Check that the SSO service is running on that server and that it can be contacted.%r Tracking ID: %1%r Adapter: %2%r SSO Server Name: %3%r Error Code: %4
10750	SSO_ERROR_PS_WRONG_USER_NAME_TYPE	PasswordChangeNotify: Incorrect User Name Type. The only accepted value is USER_NAME_TYPE_NT4. The target is incorrectly configured in Active Directory.%r User Name Type: %1%r Client User: %2%r Error Code: %3
10752	ENTSSO_E_APP_EXISTS	The application already exists.
10753	ENTSSO_E_MAPPING_EXISTS	The mapping already exists.
10754	ENTSSO_E_SSO_DISABLED	The SSO system is currently disabled.
10755	ENTSSO_E_APP_DISABLED	The application is currently disabled.
10756	ENTSSO_E_NO_APP	The application does not exist.
10757	ENTSSO_E_NO_MAPPING	The mapping does not exist. For Config Store applications, the config info has not been set.
10758	ENTSSO_E_FIELD_EXISTS	The field already exists.
10759	ENTSSO_E_BACKUP_RESTORE_FAILED_MEDIA	The file specified for backup or restore of the master secrets must be on an NTFS file system or removable media.
10760	ENTSSO_E_NO_EXISTING_VALUE	The property bag contained a VT_NULL value to indicate that the existing property value should be retained, but there is no existing value.
10761	ENTSSO_E_EMPTY_EXISTING_VALUE	The property bag contained a VT_NULL value to indicate that the existing property value should be retained, but the existing value is empty.
10762	ENTSSO_E_WRONG_THREAD	The SSO client component has been called on the wrong thread. It is currently locked to a thread because it has a transaction.
10763	ENTSSO_E_TRACKING_ID_MISMATCH	The tracking ID does not match the transaction ID.
10764	ENTSSO_E_MAPPING_DISABLED	The mapping is disabled.
10765	ENTSSO_E_NO_CREDENTIALS	No credentials have been set for the mapping.
10766	ENTSSO_E_NOT_SECRET_SERVER	This function can only be performed on the master secret server.
10767	ENTSSO_E_NO_SSO_SERVER	Could not contact the SSO server '%1'. Check that SSO is configured and that the SSO service is running on that server.
10768	ENTSSO_E_OUT_OF_SERVICE	Enterprise Single Sign-On is offline.
10769	ENTSSO_E_APP_INCOMPLETE_FIELDS	The application cannot be enabled because the fields are incomplete for this application.
10770	ENTSSO_E_MAPPING_DISABLED_ADMIN	The mapping has been disabled by an administrator.
10771	ENTSSO_E_NOT_ADMIN	This function can only be performed by a local administrator.
10772	ENTSSO_E_NOT_SSO_ADMIN	The user is not a member of the specified SSO Administrators account.
10773	ENTSSO_E_SSO_MUST_BE_DISABLED	Enterprise Single Sign-On must be disabled before performing this function.
10774	ENTSSO_E_SSO_NOT_IN_NEW_SSO_ADMIN	The SSO service account is not a member of the specified SSO Administrators account.
10775	ENTSSO_E_APP_ADMIN_SAME	The Application Administrators account for this application is specified to be the SSO Affiliate Administrators account.
10776	ENTSSO_E_INVALID_ACCOUNT_FORMAT	The format of the account name is not valid. Domain accounts must include the domain name. Local accounts must not include a domain or computer name.
10777	ENTSSO_E_NO_BUILTIN_ACCOUNTS	For security reasons the following accounts are not allowed: Built-in accounts; Everyone;
10778	ENTSSO_E_DECRYPT_FAILED	Decryption failed.
10779	ENTSSO_E_BACKUP_FILE_WRONG_PASSWORD	An incorrect password was specified for the backup file.
10780	ENTSSO_E_INVALID_ACCOUNT	The account name is not valid or does not exist.
10781	ENTSSO_E_NO_LOCAL_ACCOUNTS	Local accounts are not allowed for this application. Check your application flags.
10782	ENTSSO_E_INVALID_FLAGS	The specified flags are not valid or are incompatible with each other.
10783	ENTSSO_E_NO_SECRET	Cannot perform encryption or decryption because the secret is not available from the master secret server. See the event log for related errors.
10784	ENTSSO_E_FILE_OPEN_FAILED	Could not create or open the specified file. Check the file name and access permissions.
10785	ENTSSO_E_DB_ACCESS	An error occurred while attempting to access the SSO database.
10786	ENTSSO_E_ACCOUNT_NOT_VALID	The account name is not valid or does not exist. See the event log (on computer '%1') for more details.
10787	ENTSSO_E_FLAGS_NOT_VALID	The specified flags are not valid or are incompatible with each other. See the event log (on computer '%1') for more details.
10788	ENTSSO_E_DTC_IMPORT_FAILED1	Could not import a DTC transaction. Please check that MSDTC is configured correctly for remote operation. See documentation for details.
10789	ENTSSO_E_DTC_IMPORT_FAILED2	Could not import a DTC transaction. Please check that MSDTC is configured correctly for remote operation. See the event log (on computer '%1') for more details.
10790	ENTSSO_E_TICKET_EXPIRED	The ticket has timed out.
10800	ENTSSO_E_WRONG_STATE	This function has been called in the wrong state.
10801	ENTSSO_E_INVALID_NOTIFICATION_TYPE	The notification type is not valid.
10802	ENTSSO_E_WRONG_SESSION	A request was received for the wrong session. It may have been disconnected.
10803	ENTSSO_E_TIMESTAMP_TOO_OLD	The request was rejected because the timestamp was too old.
10804	ENTSSO_E_INCORRECT_COMPUTER	This adapter is not configured for this computer.
10805	ENTSSO_E_ACCOUNT_NOT_MAPPED_FOR_ADAPTER	No mappings were found for this external account on this adapter.
10806	ENTSSO_E_APP_ASSIGNED_TO_ADAPTER	The application cannot be deleted because it is currently assigned to an adapter.
10807	ENTSSO_E_TOO_MANY_UNCONFIRMED_NOTIFICATIONS	Too many unconfirmed notifications.
10808	ENTSSO_E_HISSO_SYSTEM_NOT_ENABLED	The SSO system is not enabled for Host Initiated Single Sign-On.
10809	ENTSSO_E_HISSO_APP_NOT_ENABLED	The application is not enabled for Host Initiated Single Sign-On.
10810	ENTSSO_E_HISSO_INVALID_CREDENTIALS	The specified credentials are invalid or do not match those in the SSO database.
10811	ENTSSO_E_HISSO_LSA_INITIALIZATION_FAILED	Failed to connect to the LSA server.
10812	ENTSSO_E_HISSO_LSA_S4U_FAILED	The LSA server returned an error.
10813	ENTSSO_E_WINDOWS_UPDATE_FAILED_MORE_RECENT	The Windows password in the SSO database is more recent.
10814	ENTSSO_E_REENCRYPT_IN_PROGRESS	SSO database re-encryption is in progress.
10815	ENTSSO_E_WRONG_SECRET	Incorrect master secret.
10816	ENTSSO_E_EXTERNAL_UPDATE_FAILED_MORE_RECENT	The external credentials in the SSO database are more recent.
10817	ENTSSO_E_NOTIFICATION_NOT_FOUND	The specified notification was not found.
10818	ENTSSO_E_AMBIGUOUS_SYNC_FIELDS	The application must have two fields or only one field must be marked for sync.
10819	ENTSSO_E_MAPPING_CONFLICT	The external account was not updated because there is a mapping conflict.
10820	ENTSSO_E_REQUIRE_OLD_PASSWORD	When changing the password for an external account the adapter must supply the old password.
10821	ENTSSO_E_ADAPTER_ASSIGNED_TO_GROUP_ADAPTER	The adapter cannot be deleted because it is currently assigned to a group adapter.
10822	ENTSSO_E_NO_ADAPTER	The specified adapter does not exist.
10823	ENTSSO_E_PSADMIN_INVALID_APP_TYPE	Invalid application type for application. Valid application types are 'Individual', 'Group' or 'Host Group'.
10824	ENTSSO_E_PSADMIN_INVALID_ADAPTER_TYPE	Invalid application type for adapter. Valid application type is 'Password Sync Adapter'.
10825	ENTSSO_E_PSADMIN_APP_ALREADY_ASSIGNED	The application is already assigned to an adapter.
10826	ENTSSO_E_NO_GROUP_ADAPTER	The specified group adapter does not exist.
10827	ENTSSO_E_PSADMIN_INVALID_GROUP_ADAPTER_TYPE	Invalid application type for group adapter. Valid application type is 'Password Sync Group Adapter'.
10828	ENTSSO_E_PSADMIN_ADAPTER_ALREADY_ASSIGNED	The adapter is already assigned to a group adapter.
10829	ENTSSO_E_PSADMIN_INVALID_ADAPTER_TYPE_2	Invalid application type for adapter. Valid application types are 'Password Sync Adapter' or 'Password Sync Group Adapter'.
10830	ENTSSO_E_PSADMIN_ADAPTER_SAME_COMPUTER	The specified adapter must be on the same computer as the group adapter.
10831	ENTSSO_E_SSO_DATABASE_EXISTS	The specified SSO database already exists.
10832	ENTSSO_E_SSO_DATABASE_REQUIRES_UPGRADE	The specified SSO database exists but requires an upgrade.
10833	ENTSSO_E_SSO_DATABASE_NOT_CONFIGURED	The specified SSO database is not configured.
10834	ENTSSO_E_SSO_NOT_SSO_ADMIN	The current user is not a member of the specified SSO Administrators account.
10835	ENTSSO_E_NO_MAPPING2	The specified mapping could not be found.
10836	ENTSSO_E_FILE_PASSWORD_TOO_SHORT	The specified password is too short, it must be at least 7 characters.
10837	ENTSSO_E_MAX_SQL_DATABASE	The maximum SQL database name length is 128 characters.
10838	ENTSSO_E_MAX_SSO_DATABASE_CREATE	The maximum SQL database name length that SSO can create is 123 characters, to allow for the default log file name.
10839	ENTSSO_E_MAX_PASSWORD	The maximum password length is 256 characters.
10840	ENTSSO_E_MAX_PASSWORD_REMINDER	The maximum password reminder length is 512 characters.
10841	ENTSSO_E_MAPPINGS_ONLY_FOR_DOMAIN_ACCOUNTS	Mappings can be created for Windows domain accounts only (not local accounts).
10842	ENTSSO_E_ACCESS_DENIED	Access denied. See the event log (on computer '%1') for more details.
10843	ENTSSO_E_NO_SECRET2	Cannot perform encryption or decryption because the secret is not available from the master secret server. See the event log (on computer '%1') for related errors.
10844	ENTSSO_E_MAPPING_EXISTS2	The mapping already exists. See the event log (on computer '%1') for more details.
10845	ENTSSO_E_DB_ACCESS2	An error occurred while attempting to access the SSO database. See the event log (on computer '%1') for more details.
10846	ENTSSO_E_HOST_GROUP_ONE_ACCOUNT_ONLY	Host Group applications cannot have multiple accounts specified for the Windows Account.
10847	ENTSSO_E_MAPPINGS_ONLY_FOR_DOMAIN_USER_ACCOUNTS	For Individual applications, mappings can be created for Windows domain users only (not local accounts or group accounts).
10848	ENTSSO_E_DIRECT_SYNC_NOT_ALLOWED_AMBIGUOUS	Direct password sync is not allowed for this application because its fields are ambiguous.
10849	ENTSSO_E_DIRECT_SYNC_NOT_ALLOWED_CREATE	An application cannot be created with the 'direct password sync' flag specified.
10850	ENTSSO_E_ENABLED_NOT_ALLOWED_CREATE	An application cannot be created with the 'enabled' flag specified.
10851	ENTSSO_E_PSADMIN_NO_DIRECT_PASSWORD_SYNC	The application cannot be assigned to a password sync adapter because it has the 'direct password sync' flag set.
10852	ENTSSO_E_CREATE_FIELD_NO_DIRECT_PASSWORD_SYNC	The field cannot be created because this application has the 'direct password sync' flag set.
10853	ENTSSO_E_MAPPING_NO_ACCESS	The mapping cannot be created because the specified user is not a member of the Application Users account.
10854	ENTSSO_E_INVALID_STRING_FORMAT	The string format is incorrect for this function.
10855	ENTSSO_E_PASSWORD_FILTER_FAILED	The credentials cannot be returned because the password filter failed.
10856	ENTSSO_E_MAPPING_CREATE_RESTRICTED	Application Users cannot create mappings for this application.
11008	SSO_WARN_CHECK_GROUP	Check group membership failed.%r Group Name: %1%r Account Name: %2%r Additional Data: %3%r Error Code: %4
11009	SSO_WARN_NOT_SSO_ADMIN	Client user is not a member of the SSO Administrators account.%r Tracking ID: %1%r Client User: %2\\%3%r SSO Administrators: %4
11010	SSO_WARN_NOT_SSO_AFF_ADMIN	Client user is not a member of the SSO Affiliate Administrators account.%r Tracking ID: %1%r Client User: %2\\%3%r SSO Affiliate Administrators: %4
11011	SSO_WARN_NOT_APP_ADMIN	Client user is not a member of the Application Administrators account.%r Tracking ID: %1%r Client User: %2\\%3%r Application Name: %4%r Application Administrators: %5
11012	SSO_WARN_NOT_APP_ADMIN_ADMIN_SAME	Client user is not a member of the Application Administrators account.%r Tracking ID: %1%r Client User: %2\\%3%r Application Name: %4%r Application Administrators: %5
11013	SSO_WARN_NOT_APP_USER	Client user is not a member of the Application Users account.%r Tracking ID: %1%r Client User: %2\\%3%r Application Name: %4%r Application Users: %5
11014	SSO_ERROR_ACCESS_CHECK	Access check failed.%r Client User: %1\\%2%r Application Name: %3%r Additional Data: %4%r Error Code: %5
11015	SSO_ERROR_EXTENDED_RPC_INFO	RPC EXTENDED ERROR INFORMATION%r %1%r Error Code: %2
11016	RPC EXTENDED ERROR INFORMATION%r	%1%r Error Code: %2 The AuthzInitializeContextFromSid function failed with ERROR_ACCESS_DENIED. This means that the service account that the SSO server is running under does not have sufficient permissions to check group membership in Active Directory. Please check your documentation for details on how to fix this problem.%r
11017	SSO_PS_WARN_NOT_IN_GROUP_DELETE_OK	The mapping is not valid because the Windows account is not in the Application Users account for the application. The mapping has been deleted.%r Tracking ID: %1%r Windows Account: %2%r Application Name: %3%r Application Users: %4
11018	SSO_PS_WARN_GROUP_CHECK_FAILED	Failed to check whether the mapping was a member of the Application Users account. The mapping will be ignored.%r Tracking ID: %1%r Windows Account: %2%r Application Name: %3%r Application Users: %4%r Error Code: %5
11019	SSO_PS_WARN_NOT_IN_GROUP_DELETE_FAILED	The mapping is not valid because the Windows account is not in the Application Users account for the application. Failed to delete the mapping. The mapping will be ignored.%r Tracking ID: %1%r Windows Account: %2%r Application Name: %3%r Application Users: %4%r Error Code: %5
11020	SSO_INFO_WINDOWS_TO_WINDOWS_MAPPING_CONFLICT_ALLOWED	A Windows password change will cause a different Windows account to be changed.%r This is allowed because the adapter for this external system is configured to allow mapping conflicts.%r Tracking ID: %1%r Adapter: %2%r External Account: %3%r Windows Account 1: %4%r Windows Account 2: %5
11021	SSO_INFO_EXTERNAL_TO_EXTERNAL_MAPPING_CONFLICT_ALLOWED	An external password change will cause a different external account to be changed.%r This is allowed because the adapter for this external system is configured to allow mapping conflicts.%r Tracking ID: %1%r Adapter: %2%r Windows Account: %3%r External Account 1: %4%r External Account 2: %5
11022	SSO_WARN_EXTERNAL_TO_EXTERNAL_MAPPING_CONFLICT_NOT_ALLOWED	An external password change would have caused a different external account to be changed.%r This has been prevented because the adapter for this external system is configured to not allow mapping conflicts.%r Tracking ID: %1%r Adapter: %2%r Windows Account: %3%r External Account 1: %4%r External Account 2: %5
11023	SSO_WARN_WINDOWS_PASSWORD_DELETED	An invalid Windows password in the SSO database was deleted to prevent account lockout.%r Use the SSO administration tools to set the external credentials for this Windows account.%r Tracking ID: %1%r Adapter: %2%r Windows Account: %3
11024	SSO_ERROR_PS_ADMIN_CALLBACK_ACCESS_DENIED	Password sync server (for admin) access denied.%r Client User: %1
11025	SSO_WARN_INVALID_APP_TICKET_TIMEOUT	The ticket time-out value is not valid for application update.%r Application Name: %1%r Ticket time-out: %2 minutes%r Maximum ticket time-out: %3 minutes%r Error Code: %4
11026	SSO_WARN_EXISTING_GROUP_MAPPING	A new group mapping could not be created because there is a conflict with an existing mapping. Please delete the existing mapping and try again.%r Existing Mapping: %1%r New Mapping: %2%r External Account: %3%r Application Name: %4
11027	SSO_WARN_GROUP_GET_CREDS_FAILED	GetCredentials for Group application failed.%r Application: %1%r Application Users: %2%r Index: %3%r Error Code: %4
11028	SSO_INFO_GROUP_GET_CREDS_OK	GetCredentials for Group application succeeded.%r Application: %1%r Application Users: %2%r Index: %3
11029	SSO_INFO_CASE_SENSITIVE	The SSO database is case sensitive. The SSO server will run in case sensitive mode. See documentation for details.%r
11030	SSO_INFO_PS_WIN_CHANGE_DISCARDED_NO_MAPPINGS	A Windows password change was discarded because there are no mappings for this Windows account.%r Tracking ID: %1%r Windows Account: %2%r Client User: %3
11031	SSO_INFO_PS_WIN_CHANGE_INVALID_MAPPING	Windows password change. A mapping for this Windows account has been detected but ignored because it is no longer valid.%r Tracking ID: %1%r Windows Account: %2%r Application: %3%r External Account: %4%r Client User: %5
11032	SSO_INFO_PS_WIN_CHANGE_MAPPING_DISABLED	Windows password change. A mapping for this Windows account has been detected but ignored because it is disabled.%r Tracking ID: %1%r Windows Account: %2%r Application: %3%r External Account: %4%r Client User: %5
11033	SSO_INFO_PS_WIN_CHANGE_APP_DISABLED	Windows password change. A mapping for this Windows account has been detected but ignored because the application is disabled.%r Tracking ID: %1%r Windows Account: %2%r Application: %3%r External Account: %4%r Client User: %5
11034	SSO_INFO_PS_WIN_CHANGE_APP_INCORRECT_TYPE	Windows password change. A mapping for this Windows account has been detected but ignored because the application is not the correct type. Only 'Individual' or 'Group' type applications support Windows password sync.%r Tracking ID: %1%r Windows Account: %2%r Application: %3%r External Account: %4%r Client User: %5
11035	SSO_INFO_PS_WIN_CHANGE_NO_ADAPTER	Windows password change. A mapping for this Windows account has been detected but ignored because password sync is not configured for this application.%r Tracking ID: %1%r Windows Account: %2%r Application: %3%r External Account: %4%r Client User: %5
11036	SSO_INFO_PS_WIN_CHANGE_ADAPTER_NO_SYNC	Windows password change. A mapping for this Windows account has been detected but ignored because the adapter configured for this application does not support password sync to external systems.%r Tracking ID: %1%r Windows Account: %2%r Application: %3%r Adapter: %4%r Client User: %5
11037	SSO_INFO_PS_MAPPING_INVALID	External password change. The password was not changed for the external account because the mapping is no longer valid.%r Tracking ID: %1%r Adapter: %2%r Application Name: %3%r External Account: %4
11038	SSO_ERROR_NO_LOCAL_SYSTEM	The SSO service cannot run under the Local System account.%r
11039	SSO_ERROR_NO_LOCAL_SERVICE	The SSO service cannot run under the Local Service account.%r
11040	SSO_WARN_NETWORK_SERVICE	The SSO service is running under the Network Service account. There are some special considerations for this account. See your documentation for details.%r
11041	SSO_WARN_LOCAL_ACCOUNT	The SSO service is running under a local account. This is not recommended and will limit the functionality of SSO. See your documentation for details.%r SSO Service Account: %1
11042	SSO_WARN_ACCESS_DENIED_ACCOUNTS	Access denied. The client user must be a member of one of the following accounts to perform this function.%r SSO Administrators: %1%r SSO Affiliate Administrators: %2%r Application Administrators: %3%r Application Users: %4%r Additional Data: %5
11043	SSO_WARN_PS_ADAPTER_REPORTED_FAILURE	The password sync adapter reported a failure while attempting to change the external password. The external password was not updated in the SSO database.%r Tracking ID: %1%r Adapter: %2%r External Account: %3%r Error Message: %4%r Error Code: %5
11044	SSO_WARN_DEFAULT_FLAGS	Some flags have been ignored and were changed to their default values.%r Tracking ID: %1%r Application Name: %2%r Requested Flags: %3%r Changed Flags: %4%r Actual Flags: %5
11045	SSO_WARN_EXISTING_MAPPING_WINDOWS	A mapping could not be created because a mapping already exists for the specified Windows account.%r Tracking ID: %1%r Application Name: %2%r Windows Account: %3
11046	SSO_WARN_EXISTING_MAPPING_EXTERNAL	A mapping could not be created because a mapping already exists for the specified external account.%r Tracking ID: %1%r Application Name: %2%r External Account: %3
11047	SSO_ERROR_SSOSQL_FAILED	Could not create SSOSQL. To fix the problem, reinstall SSO or try 'regasm SSOSQL.dll' from a Visual Studio command prompt.%r Error Code: %1
11048	SSO_ERROR_SSOCSTX_FAILED	Could not create SSOCSTX. To fix the problem, reinstall SSO or install SSOCSTX.dll into a COM+ library application.%r Additional Data: %1%r Error Code: %2
11049	SSO_ERROR_DTC_FAILED	Could not get MSDTC. SSO requires MSDTC for correct operation.
11050	SSO_INFO_LINE	SSO: %1%r
11051	SSO_WARN_SSO_ADMIN_NOT_GROUP	The SSO Administrators account contains one or more individual (not group) accounts. If these individual accounts are deleted from Active Directory or the local computer they must be promptly removed from the SSO system or they could become a security risk.%r SSO Administrators: %1%r Individual accounts: %2
11052	SSO_WARN_SSO_AFF_ADMIN_NOT_GROUP	The SSO Affiliate Administrators account contains one or more individual (not group) accounts. If these individual accounts are deleted from Active Directory or the local computer they must be promptly removed from the SSO system or they could become a security risk.%r SSO Affiliate Administrators: %1%r Individual accounts: %2
11053	SSO_WARN_APP_ADMIN_NOT_GROUP	The Application Administrators account contains one or more individual (not group) accounts. If these individual accounts are deleted from Active Directory or the local computer they must be promptly removed from the SSO system or they could become a security risk.%r Application Name: %1%r Application Administrators: %2%r Individual accounts: %3
11054	SSO_WARN_APP_USERS_NOT_GROUP	The Application Users account contains one or more individual (not group) accounts. If these individual accounts are deleted from Active Directory or the local computer they must be promptly removed from the SSO system or they could become a security risk.%r Application Name: %1%r Application Users: %2%r Individual accounts: %3
11055	SSO_WARN_PS_DIRECT_SET_EXTERNAL_PASSWORD	Failed to directly update the external password in the SSO database.%r Tracking ID: %1%r Application Name: %2%r Windows Account: %3%r External Account: %4%r Error Code: %5
11056	SSO_WARN_PS_DIRECT_GET_CREDS_FAILED	The password was not directly changed for the external account because the existing external credentials could not be obtained from the SSO database.%r Tracking ID: %1%r Application Name: %2%r Windows Account: %3%r External Account: %4%r Error Code: %5
11057	SSO_WARN_PS_DIRECT_MISSING_INITIAL_CREDS	Direct password change. Some missing external credential fields for this mapping have been set to default values.%r Tracking ID: %1%r Application Name: %2%r Windows Account: %3%r External Account: %4
11058	SSO_INFO_PS_DIRECT_SET_EXTERNAL_PASSWORD	The external password was directly updated in the SSO database.%r Tracking ID: %1%r Application Name: %2%r Windows Account: %3%r External Account: %4
11059	SSO_INFO_INVALID_USER_NOT_IN_GROUP	A mapping could not be created because the specified user is not a member of the Application Users account.%r Windows Account: %1\\%2%r Application Name: %3%r Application Users: %4%r Error Code: %5
11060	SSO_WARN_PS_MIIS_ACCESS_DENIED	Windows password changes from MIIS will only be accepted from the SSO service account.%r Tracking ID: %1%r Client User: %2%r SSO Service Account: %3%r Error Code: %4
11061	SSO_WARN_BAD_PASSWORD_FILTER	The password filter string is not valid. No password filter will be used.%r Application Name: %1%r Password Filter String: %2%r Number Of Tokens Processed: %3%r Additional Data: %4%r Error Code: %5
11062	SSO_WARN_PASSWORD_FILTER_FAILED	Password filtering failed. No password filter will be used.%r Application Name: %1%r Password Filter String: %2%r Additional Data: %3%r Error Code: %4
11063	SSO_ERROR_PS_MIIS_CALLBACK_ACCESS_DENIED	Password sync server (for MIIS) access denied.%r
11064	SSO_INFO_MIIS_PASSWORD_CHANGE_RECEIVED	A Windows password change was received from MIIS.%r Tracking ID: %1%r Windows Account: %2%r Client User: %3
11065	SSO_INFO_PASSWORD_SYNC_MIIS_STARTING	Password sync for Windows (from MIIS) is starting.%r
11066	SSO_INFO_PASSWORD_SYNC_MIIS_STARTED	Password sync for Windows (from MIIS) has started.%r
11067	SSO_ERROR_PASSWORD_SYNC_MIIS_START_FAILED	Password sync for Windows (from MIIS) failed to start.%r Error Code: %1
11068	SSO_ERROR_LOOKUP_CALLBACK_ACCESS_DENIED_NO_REMOTE	Lookup server access denied. This SSO server is currently not configured to allow remote lookup. Use 'ssoconfig -remoteLookup yes' or the SSO Administration MMC.%r
11069	SSO_WARN_PS_PCNS_NOT_ALLOWED	This SSO server is currently not configured to allow Windows password changes from PCNS. Use 'ssoconfig -allowPS PCNS yes' or the SSO Administration MMC.%r Tracking ID: %1%r Client User: %2
11070	SSO_WARN_PS_MIIS_NOT_ALLOWED	This SSO server is currently not configured to allow Windows password changes from MIIS. Use 'ssoconfig -allowPS MIIS yes' or the SSO Administration MMC.%r Tracking ID: %1%r Client User: %2
11071	SSO_WARN_PS_WIN_CHANGE_DISCARDED_ZERO_LENGTH	A Windows password change was discarded because the Windows password length is zero characters.%r Tracking ID: %1%r Windows Account: %2%r Client User: %3
"""


@dataclass(frozen=True)
class EventDef:
    """One catalogue entry."""

    id: int
    symbol: str
    template: str


@dataclass(frozen=True)
class _Segment:
    """One %r-separated line of a template: an optional label and its value template."""

    label: str | None
    text: str


_PLACEHOLDER = re.compile(r"%(\d+)")
_LABELLED = re.compile(r"^([A-Za-z][A-Za-z0-9 ()/.'-]*?)\s*:\s*(.*)$")


def _load(text: str) -> dict[int, EventDef]:
    table: dict[int, EventDef] = {}
    for line in text.strip("\n").splitlines()[1:]:
        ident, symbol, template = line.split("\t")
        # The docs escape a literal backslash as "\\" (DOMAIN\\user); the message text has one.
        table[int(ident)] = EventDef(int(ident), symbol, template.replace("\\\\", "\\"))
    return table


CATALOGUE: dict[int, EventDef] = _load(_TSV)


def get(event_id: int) -> EventDef | None:
    """The catalogue entry of ``event_id`` (None when the ID is not an SSO event)."""
    return CATALOGUE.get(event_id)


def symbol(event_id: int) -> str:
    """The symbolic name (``SSO_WARN_LOST_SECRET_SERVER``), or ``event <id>`` when unknown."""
    entry = CATALOGUE.get(event_id)
    return entry.symbol if entry else f"event {event_id}"


@cache
def _segments(event_id: int) -> tuple[_Segment, ...]:
    entry = CATALOGUE.get(event_id)
    if entry is None:
        return ()
    out = []
    for i, raw in enumerate(entry.template.split("%r")):
        text = raw.strip()
        match = _LABELLED.match(text) if i > 0 else None
        if match and _PLACEHOLDER.search(match.group(2)):
            out.append(_Segment(match.group(1).strip(), match.group(2)))
        else:
            out.append(_Segment(None, text))
    return tuple(out)


def labels(event_id: int) -> tuple[str, ...]:
    """The field labels of an event's template, in order (``("Secret Server Name", "Error Code")``)."""
    return tuple(s.label for s in _segments(event_id) if s.label)


def fields_from_strings(event_id: int, strings: tuple[str, ...] | list[str]) -> dict[str, str]:
    """Map an event's insertion strings to its template labels.

    A labelled line whose value uses several strings (``Client User: %2\\%3``) is joined as the
    message would show it. Placeholders outside a labelled line are keyed ``%n``. A field whose
    strings are missing (fewer strings than the template expects) is left out rather than guessed.
    """
    out: dict[str, str] = {}
    for seg in _segments(event_id):
        numbers = [int(n) for n in _PLACEHOLDER.findall(seg.text)]
        if not numbers or any(n < 1 or n > len(strings) for n in numbers):
            continue
        if seg.label:
            out[seg.label] = _PLACEHOLDER.sub(lambda m: strings[int(m.group(1)) - 1], seg.text).strip()
        else:
            for n in numbers:
                out[f"%{n}"] = strings[n - 1].strip()
    return out


def _words(text: str) -> str:
    """A regex matching ``text`` with any run of whitespace (line wraps included) between words."""
    return r"\s+".join(re.escape(w) for w in text.split())


def fields_from_message(event_id: int, message: str) -> dict[str, str]:
    """Read the labelled fields back out of a rendered message (Event Viewer text, a blog copy).

    Rendered text is often hard-wrapped in the middle of a label ("Error\\nCode:"), so labels match
    across any whitespace. Each value runs to the next label or fixed line of the template that is
    found after it; labels missing from the text (truncated copies) are simply absent.
    """
    markers: list[tuple[str | None, re.Pattern[str]]] = []
    for i, seg in enumerate(_segments(event_id)):
        if i == 0:
            continue
        if seg.label:
            markers.append((seg.label, re.compile(r"(?<![A-Za-z])" + _words(seg.label) + r"\s*:", re.I)))
        elif seg.text and not _PLACEHOLDER.search(seg.text):
            markers.append((None, re.compile(_words(seg.text), re.I)))
    found: list[tuple[str | None, int, int]] = []
    cursor = 0
    for label, pattern in markers:
        match = pattern.search(message, cursor)
        if match:
            found.append((label, match.start(), match.end()))
            cursor = match.end()
    out: dict[str, str] = {}
    for i, (label, _start, end) in enumerate(found):
        if label is None:
            continue
        stop = found[i + 1][1] if i + 1 < len(found) else len(message)
        out[label] = " ".join(message[end:stop].split())
    return out
