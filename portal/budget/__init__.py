"""Budget lines: importers (city adapters and generic formats) and the services that read them."""
