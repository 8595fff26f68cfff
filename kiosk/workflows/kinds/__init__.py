"""The shipped workflow kinds, one module each (named by ``config/kinds/*.toml``)."""
