"""PyTorch reference for `deno task bench`: the same primary CNN, same batch
sizes, same measurement (warm-up, then timed batches until both a minimum
count and a minimum duration), printed as the same JSON lines.

Used once per machine to put the TensorFlow.js figures in context; the
workspace itself does not depend on PyTorch.

    python3 tasks/bench/torch_bench.py [--device cpu|cuda] [--batch 32] [--predict-batch 256]
"""
import argparse
import json
import resource
import time

import torch
from torch import nn


def primary_cnn() -> nn.Module:
    # input 3x120x90 -> conv 64 3x3 -> 118x88 -> pool -> 59x44
    # -> conv 64 3x3 -> 57x42 -> pool -> 28x21 -> flatten 64*28*21 -> dense 3
    return nn.Sequential(
        nn.Conv2d(3, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 28 * 21, 3),
    )


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(step, sync, warmup, min_batches, min_seconds):
    for _ in range(warmup):
        step()
    sync()
    batches, start = 0, time.perf_counter()
    while True:
        step()
        batches += 1
        sync()
        seconds = time.perf_counter() - start
        if batches >= min_batches and seconds >= min_seconds:
            return batches, seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--predict-batch", type=int, default=256)
    parser.add_argument("--min-seconds", type=float, default=10)
    parser.add_argument("--min-batches", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args()

    torch.manual_seed(42)
    device = torch.device(args.device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    name = torch.cuda.get_device_name() if device.type == "cuda" else f"CPU ({torch.get_num_threads()} threads)"
    model = primary_cnn().to(device)
    optimizer = torch.optim.Adam(model.parameters())
    loss_fn = nn.CrossEntropyLoss()

    x = torch.rand(args.batch, 3, 120, 90, device=device)
    y = torch.randint(0, 3, (args.batch,), device=device)

    def train_step():
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()

    xp = torch.rand(args.predict_batch, 3, 120, 90, device=device)

    def predict_step():
        with torch.no_grad():
            model(xp).cpu()

    for phase, step, batch in (("train", train_step, args.batch), ("predict", predict_step, args.predict_batch)):
        batches, seconds = timed(step, sync, args.warmup, args.min_batches, args.min_seconds)
        print(json.dumps({
            "model": "primary-cnn", "backend": f"pytorch-{torch.__version__}", "device": name,
            "phase": phase, "batchSize": batch, "images": batches * batch, "seconds": seconds,
            "imagesPerSecond": batches * batch / seconds, "peakRssMiB": peak_rss_mib(),
        }), flush=True)


if __name__ == "__main__":
    main()
