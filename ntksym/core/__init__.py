"""The bottom layer: symbols, exceptions, input conversion, the layer recursion, the LaTeX printer.

Everything else in ntksym imports from here; nothing here imports from the layers above.
"""
