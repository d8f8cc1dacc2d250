"""Tests of BTS001, the port create test (fact, check, lab emulation, end to end)."""
