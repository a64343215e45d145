"""One folder per Lambda function of template.yaml, each a thin app.py.

A package only so that the import contracts (pyproject.toml) can see the handlers.
"""
