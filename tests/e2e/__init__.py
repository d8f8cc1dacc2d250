"""End-to-end tests: the real CLI and pywinrm against the simulated farm over loopback."""
