"""Helpers shared by the test modules: imported explicitly, unlike conftest.py (fixtures only).

* ``lab``: a running farm per scenario (:class:`LabRun`), ``run_cli`` and the run pipeline in Python;
* ``nightly``: a farm that tests change and restore (:class:`LiveFarm`), report readers (JSON, JUnit);
* ``kerberos``: the test realm (MIT KDC) and its names;
* ``reports``: hand-made reports for the reporter tests;
* ``schema_lite``: a small JSON Schema validator cross-checked with ``jsonschema``;
* ``bigfarm``: a 500-node report for scale tests.
"""
