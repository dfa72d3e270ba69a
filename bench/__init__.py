"""The item-sync benchmark suite: ``python -m bench [--quick]`` prints one table of figures."""
