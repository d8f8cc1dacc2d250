"""The simulated farm: a WinRM endpoint on loopback backed by a model of each node."""
