"""`python -m devtools [options]`: the local stack (what `make run` starts; see devtools/emulator/local_stack.py).

Kept to nothing at import: each local Lambda environment is a spawned interpreter, and a spawned
interpreter imports the main module again. Were it devtools.emulator.local_stack, every environment would load
the whole stack (its servers, moto's imports) before its function's handler.
"""

if __name__ == "__main__":
    from devtools.emulator.local_stack import main

    main()
