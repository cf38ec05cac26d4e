"""The operator's console and readers' reports (docs/deploy.md, "The operator's console")."""
