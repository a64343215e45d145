"""The capacity model's parts, which bench/capacity_model.py prints: writes, one merchant, paths, the sale day."""
