"""Input and output: LaTeX and the command line."""
