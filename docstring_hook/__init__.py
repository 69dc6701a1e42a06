"""Write missing docstrings with a language model, changing nothing else."""

__version__ = "0.1.0"
