"""desktop/services"""
