"""The test suite: one test file per module (tests/test_<module>.py); shared
material and fixtures in tests/testing_lib.py."""
