"""The plumbing every domain stands on: configuration, database, jobs, sockets, the access
policy's registry, errors, templates. Imports no domain (import-linter checks it)."""
