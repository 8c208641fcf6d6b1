"""An LSTM layer's equations, written out from its own weights: forward (every gate) and backward.

Keras' LSTM cell, gates in its kernel's order [i, f, c, o]:

    z_t = x_t W + h_{t-1} U + b                      (R, 4U)
    i = sigmoid(z_i)   f = sigmoid(z_f)   g = tanh(z_c)   o = sigmoid(z_o)
    c_t = f * c_{t-1} + i * g                        (R, U)
    h_t = o * tanh(c_t)

Why by hand: TensorFlow's automatic gradient of a while loop pays a large cost per time step on a
CPU (stacks pushed and popped, and under XLA copied), ~20x the forward pass for one review. The
backward loop below is backpropagation through time written out: per step, elementwise work and
one (R, 4U) x (4U, U) product; the input gradient for all steps is then one matrix product.
Masks follow Keras for right-padded text (see `forward`); tests check both against Keras' own
layer and TensorFlow's automatic gradient.
"""

import tensorflow as tf


def weights_of(lstm_layer):
    """(kernel (E, 4U), recurrent_kernel (U, 4U), bias (4U,)) of a keras.layers.LSTM."""
    cell = lstm_layer.cell
    return cell.kernel, cell.recurrent_kernel, cell.bias


def forward(x, kernel, recurrent_kernel, bias, mask=None, reverse=False, zero_masked_outputs=True):
    """x (R, L, E), mask (R, L) of 0/1 (None: all real) -> dict of (L, R, U) tensors in reading
    order: input_gate, forget_gate, candidate, output_gate, cell (c_t), cell_before (c_{t-1}),
    hidden (h_t); and "outputs" (R, L, U) in the text's order, as a Keras LSTM returns them.

    Masked steps keep the state. Their output is zero when `zero_masked_outputs` (what Keras does
    inside a Bidirectional), else the kept h (a plain LSTM). reverse=True reads right to left, as
    go_backwards does: with right padding the masked steps come first and leave the state at zero.
    """
    mask = tf.ones(tf.shape(x)[:2], x.dtype) if mask is None else tf.cast(mask, x.dtype)
    if reverse:
        x, mask = tf.reverse(x, [1]), tf.reverse(mask, [1])
    steps, rows, units = tf.shape(x)[1], tf.shape(x)[0], tf.shape(recurrent_kernel)[0]
    xw = tf.transpose(tf.einsum("rle,eg->rlg", x, kernel) + bias, [1, 0, 2])  # (L, R, 4U): all steps at once
    m_all = tf.transpose(mask)[..., None]  # (L, R, 1)
    names = ("input_gate", "forget_gate", "candidate", "output_gate", "cell", "cell_before", "hidden", "outputs")

    def step(t, h, c, arrays):
        z = xw[t] + tf.matmul(h, recurrent_kernel)  # (R, 4U)
        zi, zf, zc, zo = tf.split(z, 4, axis=-1)
        i, f, g, o = tf.sigmoid(zi), tf.sigmoid(zf), tf.tanh(zc), tf.sigmoid(zo)
        m = m_all[t]  # (R, 1)
        c_new = f * c + i * g  # (R, U)
        h_new = o * tf.tanh(c_new)  # (R, U)
        c_next, h_next = m * c_new + (1.0 - m) * c, m * h_new + (1.0 - m) * h
        out = m * h_new if zero_masked_outputs else h_next
        values = (i, f, g, o, c_new, c, h_next, out)
        return t + 1, h_next, c_next, tuple(a.write(t, v) for a, v in zip(arrays, values))

    zeros = tf.zeros([rows, units], x.dtype)
    arrays = tuple(tf.TensorArray(x.dtype, size=steps, element_shape=[None, None]) for _ in names)
    _, _, _, arrays = tf.while_loop(lambda t, *_: t < steps, step, (tf.constant(0), zeros, zeros, arrays),
                                    maximum_iterations=steps)
    result = {name: a.stack() for name, a in zip(names, arrays)}  # each (L, R, U)
    result["mask"] = m_all
    outputs = tf.transpose(result["outputs"], [1, 0, 2])  # (R, L, U), reading order
    result["outputs"] = tf.reverse(outputs, [1]) if reverse else outputs
    return result


def backward(state, d_outputs, kernel, recurrent_kernel, reverse=False, zero_masked_outputs=True):
    """Gradient with respect to x of sum(d_outputs * outputs), given `forward`'s result (same flags).
    d_outputs (R, L, U) in the text's order -> d_x (R, L, E) in the text's order."""
    d_out = tf.transpose(tf.reverse(d_outputs, [1]) if reverse else d_outputs, [1, 0, 2])  # (L, R, U), reading order
    i, f, g, o, c_new, c_prev, m_all = (state[k] for k in ("input_gate", "forget_gate", "candidate", "output_gate",
                                                            "cell", "cell_before", "mask"))
    steps = tf.shape(c_new)[0]
    recurrent_t = tf.transpose(recurrent_kernel)  # (4U, U)

    def step(k, d_h, d_c, d_z):  # d_h, d_c: gradients reaching the state (h_t, c_t) from later steps
        t = steps - 1 - k  # last step first
        m = m_all[t]
        if zero_masked_outputs:  # out_t = m * h_new
            d_h_new = m * (d_h + d_out[t])
        else:  # out_t = h_t, the state
            d_h = d_h + d_out[t]
            d_h_new = m * d_h
        tanh_c = tf.tanh(c_new[t])
        d_o = d_h_new * tanh_c
        d_c_new = m * d_c + d_h_new * o[t] * (1.0 - tanh_c * tanh_c)
        d_zt = tf.concat([d_c_new * g[t] * i[t] * (1.0 - i[t]),  # input gate
                          d_c_new * c_prev[t] * f[t] * (1.0 - f[t]),  # forget gate
                          d_c_new * i[t] * (1.0 - g[t] * g[t]),  # candidate
                          d_o * o[t] * (1.0 - o[t])], axis=-1)  # output gate; (R, 4U)
        d_h_before = (1.0 - m) * d_h + tf.matmul(d_zt, recurrent_t)
        d_c_before = (1.0 - m) * d_c + d_c_new * f[t]
        return k + 1, d_h_before, d_c_before, d_z.write(t, d_zt)

    zeros = tf.zeros_like(d_out[0])  # (R, U), shaped like the gradients that flow in (batch may be unknown)
    d_z = tf.TensorArray(c_new.dtype, size=steps, element_shape=[None, None])
    _, _, _, d_z = tf.while_loop(lambda k, *_: k < steps, step, (tf.constant(0), zeros, zeros, d_z),
                                 maximum_iterations=steps)
    d_x = tf.einsum("lrg,eg->rle", d_z.stack(), kernel)  # (R, L, E), reading order
    return tf.reverse(d_x, [1]) if reverse else d_x


def directions(model, config, index):
    """[(keras LSTM, reverse, zero_masked_outputs)] of the classifier's LSTM layer `index`."""
    if config.bidirectional:
        layer = model.get_layer(f"bilstm_{index}")
        return [(layer.forward_layer, False, True), (layer.backward_layer, True, True)]
    return [(model.get_layer(f"lstm_{index}"), False, False)]


def stack_forward(model, config, x, mask):
    """The classifier's LSTM stack on embedded words x (R, L, E) -> (outputs (R, L, D), states),
    states[layer][direction] being `forward`'s results (a Bidirectional concatenates its halves)."""
    states = []
    for index in range(config.lstm_layers):
        layer_states = [forward(x, *weights_of(lstm), mask=mask, reverse=rev, zero_masked_outputs=zero)
                        for lstm, rev, zero in directions(model, config, index)]
        states.append(layer_states)
        x = tf.concat([s["outputs"] for s in layer_states], axis=-1)  # (R, L, U * directions)
    return x, states


def stack_backward(model, config, states, d_outputs):
    """d_outputs (R, L, D) at the last LSTM's outputs -> gradient at the embedded words (R, L, E)."""
    for index in reversed(range(config.lstm_layers)):
        units = config.lstm_units
        d_x = 0.0
        for k, ((lstm, rev, zero), state) in enumerate(zip(directions(model, config, index), states[index])):
            kernel, recurrent_kernel, _ = weights_of(lstm)
            d_x += backward(state, d_outputs[..., k * units:(k + 1) * units], kernel, recurrent_kernel,
                            reverse=rev, zero_masked_outputs=zero)
        d_outputs = d_x
    return d_outputs
