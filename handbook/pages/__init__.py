"""Pages no single domain owns: the home page and the offline layer (service worker)."""
