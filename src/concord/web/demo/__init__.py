"""The synthetic demo clinic."""
