"""Helpers that tests of several apps share (not test modules: nothing here is collected).

Per-app helpers live in tests/<app>/helpers.py, factories in tests/factories.py, personas and
fixtures in tests/conftest.py. A test module never imports from another test module
(tests/test_layout.py checks it)."""
