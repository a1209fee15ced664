"""Cross-file taint tracking: request data followed through functions and modules to the
dangerous calls that library models (data files under models/) describe."""
