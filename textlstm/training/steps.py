"""The compiled train and eval steps of the training loop, and the sums they return.

One step for every tf.distribute strategy: `strategy.run` of a GradientTape step on each
replica, its sums reduced across replicas. Pretrained variables can take a fraction of
each optimizer step (discriminative fine-tuning); several validation sets are averaged
by weight into the one validation loss that selects the model.
"""

import tensorflow as tf


def make_steps(strategy, task, model, optimizer, global_batch, slow=(), multiplier=1.0, forward=None):
    """slow: variables that take `multiplier` of each optimizer step (the update itself is scaled:
    scaling their gradients would not slow Adam, whose step is invariant to the gradient's scale).
    forward(x, y) -> (outputs, objective per example, task loss per example): what training
    minimises and what it reports; both the task's loss by default (adversarial training adds a
    term to the objective, and history.csv keeps reporting the loss on the clean inputs)."""
    slow = list(slow) if multiplier < 1.0 else []

    def plain_forward(x, y):
        out = model(x, training=True)
        per_example = task.per_example_loss(y, out)
        return out, per_example, per_example

    forward = forward or plain_forward

    def train_replica(x, y):
        with tf.GradientTape() as tape:
            out, objective, per_example = forward(x, y)  # (b, ...), (b,), (b,)
            loss = tf.nn.compute_average_loss(objective, global_batch_size=global_batch)
            scaled = optimizer.scale_loss(loss)  # loss scaling under mixed_float16; identity otherwise
        grads = tape.gradient(scaled, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return task.sums(y, out, per_example)

    def eval_replica(x, y):
        out = model(x, training=False)
        return task.sums(y, out, task.per_example_loss(y, out))

    def reduce(sums):
        return {k: strategy.reduce(tf.distribute.ReduceOp.SUM, v, axis=None) for k, v in sums.items()}

    @tf.function
    def train_step(iterator):
        # Cross-replica context: a snapshot of the slow variables, the step, then each moved back
        # to old + multiplier * (new - old); assigning here updates every replica's copy alike.
        before = [tf.identity(v) for v in slow]
        with tf.control_dependencies(before):
            sums = reduce(strategy.run(train_replica, args=next(iterator)))
        with tf.control_dependencies(list(sums.values())):
            for v, old in zip(slow, before):
                v.assign(old + multiplier * (v - old))
        return sums

    @tf.function
    def eval_step(batch):
        return reduce(strategy.run(eval_replica, args=batch))

    return train_step, eval_step


def means(totals):
    means = {"loss": totals["loss"] / totals["count"]}
    if "correct" in totals:
        means["accuracy"] = totals["correct"] / totals["count"]
    return means


def validate(eval_step, validation_sets, weights):
    """val_loss (and val_accuracy): one set's means, or the weight-averaged means of several
    sources, each also logged on its own (val_loss_NAME) for history.csv."""
    per_set = {}
    for name, batches in validation_sets.items():
        totals = {}
        for batch in batches:
            add(totals, eval_step(batch))
        per_set[name] = means(totals)
    if len(per_set) == 1:
        return {"val_" + k: v for k, v in next(iter(per_set.values())).items()}
    total = sum(weights[name] for name in per_set)
    logs = {f"val_{k}": sum(weights[n] * m[k] for n, m in per_set.items()) / total for k in next(iter(per_set.values()))}
    for name, figures in per_set.items():
        logs.update({f"val_{k}_{name}": v for k, v in figures.items()})
    return logs


def add(totals, sums):
    for k, v in sums.items():
        totals[k] = totals.get(k, 0.0) + float(v)
