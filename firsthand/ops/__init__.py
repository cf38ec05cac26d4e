"""Operating a site: backup, restore and their archive."""
