"""desktop/gui"""
