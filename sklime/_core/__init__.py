"""The numerical core: the engine, surrogates, weighted moments, ridge solves, kernels.

It knows no kind of data: tables, documents and images hand it designs,
weights and model outputs.
"""
