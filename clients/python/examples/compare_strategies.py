"""Fine-tune a tiny pure-Python network three ways and report the runs to Transfer Lab.

    TLAB_API_URL=http://localhost:3000 TLAB_TOKEN=... python3 compare_strategies.py

The "pretrained base" is a fixed random tanh layer, the head a softmax over three classes of 2-D
points (three noisy rings, which the base's features separate poorly). frozen trains the head
only, partial the head and the top half of the base's units, full everything. Seconds of CPU,
no NumPy.
"""

import argparse
import json
import math
import random
import sys
import time

import tlab

CLASSES = ["inner", "middle", "outer"]
LR = 0.05
BASE_LR = 0.05
HIDDEN = 8


def make_data(rng, per_class):
    points = []
    for label, radius in enumerate([0.6, 1.6, 2.6]):
        for _ in range(per_class):
            angle = rng.uniform(0, 2 * math.pi)
            r = radius + rng.gauss(0, 0.25)
            points.append(((r * math.cos(angle), r * math.sin(angle)), label))
    return points


class TinyNet:
    def __init__(self, rng):
        # The same "pretrained" base for every run; the head starts from the run's seed.
        base = random.Random(1234)
        self.w1 = [[base.gauss(0, 1.0) for _ in range(2)] for _ in range(HIDDEN)]
        self.b1 = [base.gauss(0, 0.5) for _ in range(HIDDEN)]
        self.w2 = [[rng.gauss(0, 0.1) for _ in range(HIDDEN)] for _ in CLASSES]
        self.b2 = [0.0 for _ in CLASSES]

    def forward(self, x):
        h = [math.tanh(sum(w * xi for w, xi in zip(row, x)) + b) for row, b in zip(self.w1, self.b1)]
        logits = [sum(w * hi for w, hi in zip(row, h)) + b for row, b in zip(self.w2, self.b2)]
        top = max(logits)
        exps = [math.exp(v - top) for v in logits]
        total = sum(exps)
        return h, [e / total for e in exps]

    def step(self, x, label, lr, base_units, base_lr):
        h, probs = self.forward(x)
        grad = [p - (1.0 if k == label else 0.0) for k, p in enumerate(probs)]
        for j in base_units:  # backprop into the trainable base units
            g = sum(grad[k] * self.w2[k][j] for k in range(len(CLASSES))) * (1 - h[j] ** 2)
            self.w1[j] = [w - base_lr * g * xi for w, xi in zip(self.w1[j], x)]
            self.b1[j] -= base_lr * g
        for k in range(len(CLASSES)):
            self.w2[k] = [w - lr * grad[k] * hi for w, hi in zip(self.w2[k], h)]
            self.b2[k] -= lr * grad[k]
        return -math.log(max(probs[label], 1e-12))

    def predict(self, x):
        _, probs = self.forward(x)
        best = max(range(len(probs)), key=probs.__getitem__)
        return best, probs[best]


def trainable_units(strategy):
    return {"frozen": [], "partial": list(range(HIDDEN // 2, HIDDEN)), "full": list(range(HIDDEN))}[strategy]


def report_run(exp, strategy, seed, args):
    rng = random.Random(seed)
    data = make_data(random.Random(100 + seed), 60)
    rng.shuffle(data)
    train, val, test = data[:120], data[120:150], data[150:]
    net = TinyNet(rng)
    units = trainable_units(strategy)
    total = HIDDEN * 3 + len(CLASSES) * (HIDDEN + 1)
    trainable = len(units) * 3 + len(CLASSES) * (HIDDEN + 1)
    settings = {"cut": "hidden[4:]" if strategy == "partial" else None, "lr": LR, "base_lr": BASE_LR}
    settings = {k: v for k, v in settings.items() if v is not None}
    with exp.start_run(strategy, seed, settings=settings, trainable_params=trainable, total_params=total) as run:
        for epoch in range(1, args.epochs + 1):
            started = time.time()
            loss = sum(net.step(x, y, LR, units, BASE_LR) for x, y in train) / len(train)
            correct = sum(net.predict(x)[0] == y for x, y in train)
            val_correct = sum(net.predict(x)[0] == y for x, y in val)
            val_loss = sum(-math.log(max(net.forward(x)[1][y], 1e-12)) for x, y in val) / len(val)
            run.log(
                epoch,
                train_loss=loss,
                train_accuracy=correct / len(train),
                val_loss=val_loss,
                val_accuracy=val_correct / len(val),
                epoch_seconds=time.time() - started,
            )
            print(f"epoch {epoch} {strategy} seed {seed}", flush=True)
            time.sleep(args.sleep)
        predictions = [net.predict(x) for x, _ in test]
        labels = [y for _, y in test]
        predicted = [p for p, _ in predictions]
        run.finish(
            test_accuracy=sum(p == y for p, y in zip(predicted, labels)) / len(labels),
            labels=labels,
            predicted=predicted,
            confidences=[c for _, c in predictions],
            class_names=CLASSES,
        )
    return run.id


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", default="tiny net → three rings")
    parser.add_argument("--strategies", default="frozen,partial,full")
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--sleep", type=float, default=0.0, help="seconds to wait after each epoch")
    args = parser.parse_args()
    client = tlab.Client()
    exp = client.create_experiment(
        name=args.name,
        base_model="tiny-tanh-8",
        base_model_description="a fixed random 2→8 tanh layer standing in for a pretrained base",
        dataset="three-rings",
        dataset_description="three noisy concentric rings in 2-D, 60 points each",
    )
    runs = [
        report_run(exp, strategy, seed, args)
        for strategy in args.strategies.split(",")
        for seed in range(1, args.seeds + 1)
    ]
    print(json.dumps({"experimentId": exp.id, "url": exp.url, "runs": runs}), flush=True)


if __name__ == "__main__":
    sys.exit(main())
