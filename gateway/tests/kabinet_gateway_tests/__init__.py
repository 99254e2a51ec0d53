"""Gateway tests. A package (not bare files under gateway/tests) because pytest's importlib mode would
otherwise name these modules `gateway.tests.*` and shadow the real `gateway` package."""
