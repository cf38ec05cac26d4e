"""The JSON API: publish signed statements, read them back, and fetch their offline bundles."""
