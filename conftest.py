"""Test-wide setup: the personas of mutua/test.py are fixtures everywhere."""

pytest_plugins = ["mutua.test", "mutua.tests.browser"]
