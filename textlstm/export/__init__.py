"""Deployment: exports a model folder for TF Serving and for LiteRT, and runs the exports.

    saved_model     `textlstm export`: a SavedModel version dir with checked signatures, warmup
    exported_model  a SavedModel version dir run in-process (what TF Serving would answer)
    litert          `textlstm export --format litert`: .tflite files, each checked against Keras
    litert_graphs   the TensorFlow graphs the converter gets (cells written out, states as inputs)
    litert_host     the reference hosts: ai-edge-litert and NumPy, no TensorFlow
"""
