"""The knowledge base: patterns (markdown with YAML front matter), search, and its own linter."""
