"""The open-data pages (a package: catalogue, dataset page, officer's upload)."""
