"""Framework-free analytics core: never imports Django, the web app or the CLI."""
