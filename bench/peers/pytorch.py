# bench/peers — native PyTorch for `npm run bench`, run as a child process by
# pytorch.js. In: JSON requests, one a line on stdin (create a runner from the
# shared data, run it n times, read its output or parameters, load
# parameters). Out: one JSON reply a line on stdout; f32 arrays travel as
# base64 of their little-endian bytes. The first line says whether torch
# imported, its version, its threads and the BLAS it calls.
#
# One thread: torch.set_num_threads(1) here, OPENBLAS_NUM_THREADS=1 and
# OMP_NUM_THREADS=1 from pytorch.js. Work, as in bench/README.md: forward is
# the whole sequence from a zero state (under torch.no_grad); train is one
# step of forward, loss ½·Σ (h − target)², backward and torch.optim.SGD.
#
# Cells. LSTM: torch.nn.LSTM, whose gate order (i, f, g, o) and layout
# ([G·H, I], [G·H, H]) are rnnc's; its second bias (bias_hh) is zero and
# frozen, so bias_ih is rnnc's b. GRU: torch.nn.GRU applies the reset gate
# after the recurrent product (r ⊙ (U h)), rnnc's examples/gru.ts before it
# (U (r ⊙ h)), a different function; so the GRU is rnnc's cell written in
# torch ops, its input products for all steps as one matrix product before
# the loop, as a PyTorch user would write a custom cell.

import base64
import ctypes
import json
import os
import re
import sys
import time


def reply(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


try:
    import torch
except Exception as error:  # no torch here: say so and stop
    reply({"absent": f"{type(error).__name__}: {error}"})
    sys.exit(0)

torch.set_num_threads(1)
torch.set_num_interop_threads(1)


def decode(text, *shape):
    data = bytearray(base64.b64decode(text))
    return torch.frombuffer(data, dtype=torch.float32).reshape(*shape).clone()


def encode(tensor):
    return base64.b64encode(tensor.detach().contiguous().numpy().tobytes()).decode("ascii")


def blas():
    """The BLAS torch's products call: libblas.so.3 as mapped into this process (Debian's torch links it
    through the alternatives system, so LD_LIBRARY_PATH chooses it), and OpenBLAS' own description of itself."""
    a = torch.ones(64, 64)
    (a @ a).sum().item()
    build = ", ".join(re.findall(r"BLAS_INFO=\w+|CPU capability usage: \w+", torch.__config__.show()))
    with open("/proc/self/maps") as maps:
        mapped = {line.split()[-1] for line in maps if "/" in line}
    libblas = next((os.path.realpath(p) for p in sorted(mapped) if os.path.basename(p).startswith("libblas.so")), None)
    found = {"build": build, "libblas": libblas}
    if libblas and "openblas" in libblas:
        try:
            openblas = ctypes.CDLL(libblas)
            openblas.openblas_get_config.restype = ctypes.c_char_p
            openblas.openblas_get_corename.restype = ctypes.c_char_p
            found["openblas"] = {
                "config": openblas.openblas_get_config().decode(),
                "core": openblas.openblas_get_corename().decode(),
                "threads": openblas.openblas_get_num_threads(),
            }
        except (OSError, AttributeError):
            pass
    return found


class Lstm:
    def __init__(self, shape, params):
        I, H = shape["I"], shape["H"]
        self.net = torch.nn.LSTM(I, H)
        self.net.bias_hh_l0.requires_grad_(False)
        self.parameters = [self.net.weight_ih_l0, self.net.weight_hh_l0, self.net.bias_ih_l0]
        self.load(params)

    def load(self, params):
        with torch.no_grad():
            for name, tensor in zip(("W", "U", "b"), self.parameters):
                tensor.copy_(params[name])
            self.net.bias_hh_l0.zero_()

    def __call__(self, x, h0):
        zero = h0.unsqueeze(0)  # nn.LSTM's state is [layers, B, H]
        return self.net(x, (zero, zero))[0]


class Gru:
    def __init__(self, shape, params):
        self.H = shape["H"]
        self.W = torch.nn.Parameter(params["W"].clone())
        self.U = torch.nn.Parameter(params["U"].clone())
        self.b = torch.nn.Parameter(params["b"].clone())
        self.parameters = [self.W, self.U, self.b]

    def load(self, params):
        with torch.no_grad():
            for name, tensor in zip(("W", "U", "b"), self.parameters):
                tensor.copy_(params[name])

    def __call__(self, x, h):
        H = self.H
        projected = torch.addmm(self.b, x.reshape(-1, x.shape[-1]), self.W.t()).reshape(x.shape[0], x.shape[1], 3 * H)
        U_zr, U_h = self.U[: 2 * H].t(), self.U[2 * H :].t()
        out = []
        for p in projected.unbind(0):
            zr = torch.sigmoid(p[:, : 2 * H] + h @ U_zr)
            z, r = zr[:, :H], zr[:, H:]
            n = torch.tanh(p[:, 2 * H :] + (r * h) @ U_h)
            h = h + z * (n - h)  # (1 − z) · h + z · n
            out.append(h)
        return torch.stack(out)


class Runner:
    def __init__(self, request):
        shape = request["shape"]
        I, H, B, T = shape["I"], shape["H"], shape["B"], shape["T"]
        G = {"lstm": 4, "gru": 3}[request["cell"]]
        self.sizes = {"W": (G * H, I), "U": (G * H, H), "b": (G * H,)}
        params = self.decode_params(request["params"])
        self.cell = (Lstm if request["cell"] == "lstm" else Gru)(shape, params)
        self.x = decode(request["x"], T, B, I)
        self.target = decode(request["target"], T, B, H)
        self.h0 = torch.zeros(B, H)
        self.work = request["work"]
        self.optimizer = torch.optim.SGD(self.cell.parameters, lr=0.0)
        self.output = None

    def decode_params(self, params):
        return {name: decode(params[name], *size) for name, size in self.sizes.items()}

    def run(self):
        if self.work == "forward":
            with torch.no_grad():
                self.output = self.cell(self.x, self.h0)
            return
        self.optimizer.zero_grad(set_to_none=True)
        h = self.cell(self.x, self.h0)
        loss = 0.5 * torch.sum((h - self.target) ** 2)
        loss.backward()
        self.optimizer.step()

    def timed(self, n):
        started = time.perf_counter()
        for _ in range(n):
            self.run()
        return (time.perf_counter() - started) * 1000 / n

    def set_learning_rate(self, lr):
        for group in self.optimizer.param_groups:
            group["lr"] = lr


def serve():
    runners = {}
    for line in sys.stdin:
        request = json.loads(line)
        op = request["op"]
        try:
            if op == "create":
                runners[request["runner"]] = Runner(request)
                reply({"ok": True})
                continue
            runner = runners[request["runner"]]
            if op == "run":
                reply({"ms": runner.timed(request["n"])})
            elif op == "lr":
                runner.set_learning_rate(request["lr"])
                reply({"ok": True})
            elif op == "load":
                runner.cell.load(runner.decode_params(request["params"]))
                reply({"ok": True})
            elif op == "output":
                reply({"h": encode(runner.output)})
            elif op == "params":
                names = ("W", "U", "b")
                reply({"params": {n: encode(p) for n, p in zip(names, runner.cell.parameters)}})
            elif op == "dispose":
                del runners[request["runner"]]
                reply({"ok": True})
            else:
                reply({"error": f"unknown request {op!r}"})
        except Exception as error:  # the bench records the peer as failed, with this message
            reply({"error": f"{type(error).__name__}: {error}"})


reply({
    "ready": True,
    "torch": torch.__version__,
    "python": sys.version.split()[0],
    "threads": torch.get_num_threads(),
    "blas": blas(),
})
serve()
