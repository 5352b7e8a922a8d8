package io.jamba4j.model;

import io.jamba4j.kernels.MatMul;
import io.jamba4j.kernels.VectorOps;
import io.jamba4j.tensor.Tensor;

/** SwiGLU MLP (spec §4.7): f = W_down · (SiLU(W_gate·b) ⊙ (W_up·b)), no biases. Also one expert of a {@link MoE}. */
public final class Mlp implements FeedForward {
    final Tensor gateProj; // [F, H]
    final Tensor upProj;   // [F, H]
    final Tensor downProj; // [H, F]

    public Mlp(Tensor gateProj, Tensor upProj, Tensor downProj) {
        this.gateProj = gateProj;
        this.upProj = upProj;
        this.downProj = downProj;
    }

    @Override
    public void forward(float[] b, float[] out, int T, Workspace ws) {
        forward(b, 0, out, 0, T, ws);
    }

    /** Same, reading T rows from {@code b[bOff..]} and writing T rows to {@code out[outOff..]}. */
    public void forward(float[] b, int bOff, float[] out, int outOff, int T, Workspace ws) {
        int f = Math.toIntExact(gateProj.rows());
        float[] gate = ws.get(Workspace.Slot.GATE, T * f);
        float[] up = ws.get(Workspace.Slot.UP, T * f);
        MatMul.matmul(gateProj, b, bOff, T, gate, 0);
        MatMul.matmul(upProj, b, bOff, T, up, 0);
        VectorOps.siluMul(gate, up, T * f);
        MatMul.matmul(downProj, gate, 0, T, out, outOff);
    }
}
