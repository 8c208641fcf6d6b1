"""Inside the LSTM: what the trained models do on one text.

    trace          every gate, cell and hidden state per word or character
    explanations   which words pushed the sentiment decision (gradients, occlusion, pooling)
    cell_analysis  which cells track what (Karpathy et al. 2015's interpretable cells)
    heatmap        the picture of a trace
"""
