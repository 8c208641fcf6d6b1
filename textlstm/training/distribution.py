"""Choosing a tf.distribute strategy from `--device auto|cpu|gpu|tpu` and TF_CONFIG.

    TF_CONFIG with >1 workers  -> MultiWorkerMirroredStrategy (one process per worker)
    tpu                         -> TPUStrategy via TPUClusterResolver
    gpu (or auto with GPUs)     -> MirroredStrategy over all visible GPUs, mixed_float16
    cpu (or auto without)       -> the default strategy

A device that was asked for and is not there fails at once with one message.
"""

import json
import os

import tensorflow as tf

from textlstm.errors import TextLSTMError

DEVICES = ("auto", "cpu", "gpu", "tpu")
# Signs of a TPU host; without one we never probe (TPUClusterResolver would try the
# GCE metadata server over the network and wait for it).
TPU_HINTS = ("TPU_NAME", "COLAB_TPU_ADDR", "TPU_ACCELERATOR_TYPE", "TPU_WORKER_ID")


def cluster_workers() -> int:
    try:
        tf_config = json.loads(os.environ.get("TF_CONFIG", "") or "{}")
    except json.JSONDecodeError as e:
        raise TextLSTMError(f"TF_CONFIG is not valid JSON: {e}") from None
    return len(tf_config.get("cluster", {}).get("worker", []))


def is_chief(strategy) -> bool:
    """Only the chief writes the run's files; other workers write to a scratch dir."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return True
    return resolver.task_type == "chief" or (resolver.task_type == "worker" and resolver.task_id == 0)


def _tpu_available() -> bool:
    return any(os.environ.get(k) for k in TPU_HINTS) or os.path.exists("/dev/accel0") or os.path.exists("/dev/vfio/0")


def _tpu_strategy():
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=os.environ.get("TPU_NAME", "local"))
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, RuntimeError, tf.errors.OpError) as e:
        raise TextLSTMError(f"--device tpu: could not connect to the TPU ({e})") from None
    return tf.distribute.TPUStrategy(resolver)


def select_strategy(device: str = "auto"):
    if device not in DEVICES:
        raise TextLSTMError(f"--device must be one of {', '.join(DEVICES)}; got {device!r}")
    gpus = tf.config.list_physical_devices("GPU")
    if device == "tpu" and not _tpu_available():
        raise TextLSTMError(
            f"--device tpu: no TPU on this machine (none of {', '.join(TPU_HINTS)} is set and "
            "there is no /dev/accel0); use --device auto or cpu"
        )
    if device == "gpu" and not gpus:
        raise TextLSTMError("--device gpu: TensorFlow sees no GPU on this machine; use --device auto or cpu")
    if cluster_workers() > 1:
        return tf.distribute.MultiWorkerMirroredStrategy()
    if device == "tpu" or (device == "auto" and _tpu_available()):
        return _tpu_strategy()
    if gpus and device in ("auto", "gpu"):
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


def mixed_precision_policy(strategy) -> str:
    """float16 on GPUs (tensor cores), bfloat16 on TPUs, float32 on CPU."""
    if isinstance(strategy, tf.distribute.TPUStrategy):
        return "mixed_bfloat16"
    if strategy is tf.distribute.get_strategy():  # the default strategy: one device
        devices = [d.name for d in tf.config.list_logical_devices("GPU")[:1]]
    else:
        devices = strategy.extended.worker_devices
    if any("GPU" in d.upper() for d in devices):
        return "mixed_float16"
    return "float32"


def strategy_name(strategy) -> str:
    """The public class name (MultiWorkerMirroredStrategy is CollectiveAllReduceStrategy inside)."""
    for public in ("MultiWorkerMirroredStrategy", "TPUStrategy", "MirroredStrategy", "OneDeviceStrategy"):
        if isinstance(strategy, getattr(tf.distribute, public)):
            return public
    return "default (one device)"
