"""Keras reference for `deno task bench --keras`: the same study CNNs, built
from the same specification (tasks/bench/throughput.ts passes it as JSON),
the same batch sizes and the same measurement (warm-up, then timed batches
until both a minimum count and a minimum duration), printed as the same JSON
lines. Keras 3 on the TensorFlow wheel that `deno task setup` links the
`tensorflow` backend against, in a virtual environment that
lib/bench/keras_env.ts prepares.

    python tasks/bench/keras_bench.py --models JSON [--batch 32] [--predict-batch 256]
        [--min-seconds 10] [--min-batches 5] [--warmup 2] [--phase train|predict]
        [--profile-step]

--profile-step: instead of throughput, one training step of each model under
TensorFlow's profiler; prints per-op time (JSON lines, `"profile": true`).
"""
import argparse
import json
import os
import resource
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402


def study_cnn(spec: dict) -> keras.Model:
    """lib/models/study_cnn.ts' network in Keras: conv-pool-conv-pool-flatten,
    then the head of `architecture` (dense | dense-dense | dense-dropout)."""
    l2 = spec.get("l2", 0)
    reg = (lambda: keras.regularizers.L2(l2)) if l2 > 0 else (lambda: None)
    k1 = spec.get("kernelSize", 3)
    filters = spec.get("filters", 64)
    layers = [
        keras.Input(shape=tuple(spec.get("inputShape", [120, 90, 3]))),
        keras.layers.Conv2D(filters, k1, activation="relu", kernel_regularizer=reg()),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(filters, spec.get("kernelSize2", k1), activation="relu", kernel_regularizer=reg()),
        keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(),
    ]
    architecture = spec.get("architecture", "dense")
    if architecture != "dense":
        layers.append(keras.layers.Dense(spec.get("denseSize", 128), activation="relu", kernel_regularizer=reg()))
    if architecture == "dense-dropout":
        layers.append(keras.layers.Dropout(spec.get("dropout", 0.4)))
    layers.append(keras.layers.Dense(spec["classes"], activation="softmax", kernel_regularizer=reg()))
    return keras.Sequential(layers)


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(step, warmup, min_batches, min_seconds):
    for _ in range(warmup):
        step()
    batches, start = 0, time.perf_counter()
    while True:
        step()
        batches += 1
        seconds = time.perf_counter() - start
        if batches >= min_batches and seconds >= min_seconds:
            return batches, seconds


def batch_of(spec: dict, size: int, seed: int):
    rng = np.random.default_rng(seed)
    shape = tuple(spec.get("inputShape", [120, 90, 3]))
    x = rng.random((size, *shape), dtype=np.float32)
    y = keras.utils.to_categorical(rng.integers(0, spec["classes"], size), spec["classes"])
    return x, y


def compiled(spec: dict) -> keras.Model:
    keras.utils.set_random_seed(42)
    model = study_cnn(spec)
    model.compile(optimizer=keras.optimizers.Adam(spec["learningRate"]), loss="categorical_crossentropy")
    return model


def op_profile(name: str, spec: dict, batch: int) -> None:
    """Per-op time of one `train_on_batch` step under TensorFlow's profiler,
    read from the XSpace it writes (host CPU plane, TensorFlow op events)."""
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    model = compiled(spec)
    x, y = batch_of(spec, batch, 1)
    for _ in range(3):
        model.train_on_batch(x, y)
    logdir = tempfile.mkdtemp(prefix="keras-profile-")
    start = time.perf_counter()
    tf.profiler.experimental.start(logdir)
    model.train_on_batch(x, y)
    tf.profiler.experimental.stop()
    wall_ms = (time.perf_counter() - start) * 1000
    totals: dict = {}
    for root, _, files in os.walk(logdir):
        for file in files:
            if not file.endswith(".xplane.pb"):
                continue
            space = xplane_pb2.XSpace()
            with open(os.path.join(root, file), "rb") as handle:
                space.ParseFromString(handle.read())
            for plane in space.planes:
                if plane.name != "/host:CPU":
                    continue
                for line in plane.lines:
                    # The executor's threads; an op's event is named "node_name:OpType".
                    if not line.name.startswith("tf_Compute"):
                        continue
                    for event in line.events:
                        event_name = plane.event_metadata[event.metadata_id].name
                        if "::" in event_name or event_name.count(":") != 1:
                            continue
                        entry = totals.setdefault(event_name.split(":")[1], [0, 0.0])
                        entry[0] += 1
                        entry[1] += event.duration_ps / 1e9
    for op, (calls, ms) in sorted(totals.items(), key=lambda item: -item[1][1]):
        print(json.dumps({"profile": True, "model": name, "op": op, "calls": calls, "totalMs": ms, "stepWallMs": wall_ms}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", required=True, help="JSON object: model name -> specification")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--predict-batch", type=int, default=256)
    parser.add_argument("--min-seconds", type=float, default=10)
    parser.add_argument("--min-batches", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--phase", choices=["train", "predict"])
    parser.add_argument("--profile-step", action="store_true")
    args = parser.parse_args()
    models = json.loads(args.models)
    threads = tf.config.threading.get_intra_op_parallelism_threads() or os.cpu_count()
    device = f"CPU ({threads} threads), TensorFlow {tf.__version__}"
    for name, spec in models.items():
        if args.profile_step:
            op_profile(name, spec, args.batch)
            continue
        model = compiled(spec)
        phases = [args.phase] if args.phase else ["train", "predict"]
        for phase in phases:
            size = args.batch if phase == "train" else args.predict_batch
            x, y = batch_of(spec, size, 1)
            if phase == "train":
                step = lambda: model.train_on_batch(x, y)  # noqa: E731
            else:
                step = lambda: model.predict_on_batch(x)  # noqa: E731
            batches, seconds = timed(step, args.warmup, args.min_batches, args.min_seconds)
            print(json.dumps({
                "model": name, "backend": f"keras-{keras.__version__}", "device": device,
                "jitCompile": bool(getattr(model, "jit_compile", False)),
                "phase": phase, "batchSize": size, "images": batches * size, "seconds": seconds,
                "imagesPerSecond": batches * size / seconds, "peakRssMiB": peak_rss_mib(),
            }), flush=True)


if __name__ == "__main__":
    main()
