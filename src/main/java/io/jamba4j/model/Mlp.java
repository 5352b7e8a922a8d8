package io.jamba4j.model;

import io.jamba4j.kernels.GradKernels;
import io.jamba4j.kernels.MatMul;
import io.jamba4j.kernels.VectorOps;
import io.jamba4j.tensor.Tensor;
import io.jamba4j.train.Gradients;

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
        MatMul.batch().add(gateProj, b, bOff, T, gate, 0).add(upProj, b, bOff, T, up, 0).run();
        VectorOps.siluMul(gate, up, T * f);
        MatMul.matmul(downProj, gate, 0, T, out, outOff);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Training

    /** What {@link #backward} needs from {@link #forwardTrain}: the input rows (by reference) and the pre-activations. */
    public static final class Activations {
        float[] in;
        int inOff;
        int rows;
        float[] gate; // W_gate·b (pre-SiLU), rows × F
        float[] up;   // W_up·b, rows × F
        float[] act;  // SiLU(gate) ⊙ up, rows × F
    }

    /** out[outOff..] = MLP(b[bOff..]) for T rows, saving activations; {@code b} must stay unchanged until backward. */
    public Activations forwardTrain(float[] b, int bOff, float[] out, int outOff, int T) {
        int f = Math.toIntExact(gateProj.rows());
        Activations a = new Activations();
        a.in = b;
        a.inOff = bOff;
        a.rows = T;
        a.gate = new float[T * f];
        a.up = new float[T * f];
        a.act = new float[T * f];
        MatMul.matmul(gateProj, b, bOff, T, a.gate, 0);
        MatMul.matmul(upProj, b, bOff, T, a.up, 0);
        // the inference kernel (in place on its first argument), so that training and inference agree bit for bit
        System.arraycopy(a.gate, 0, a.act, 0, T * f);
        VectorOps.siluMul(a.act, a.up, T * f);
        MatMul.matmul(downProj, a.act, 0, T, out, outOff);
        return a;
    }

    /** Given dOut (rows at dOutOff), accumulates dIn (rows at dInOff, +=) and the three weight gradients. */
    public void backward(Activations a, float[] dOut, int dOutOff, float[] dIn, int dInOff, Gradients g) {
        int f = Math.toIntExact(gateProj.rows()), h = gateProj.cols(), T = a.rows;
        float[] dAct = new float[T * f];
        GradKernels.matmulDx(dOut, dOutOff, T, GradKernels.floats(downProj), h, f, dAct, 0);
        GradKernels.matmulDw(dOut, dOutOff, T, a.act, 0, h, f, g.of(downProj));
        float[] dGate = new float[T * f], dUp = new float[T * f];
        GradKernels.siluMulBackward(dAct, a.gate, a.up, dGate, dUp, T * f);
        GradKernels.matmulDw(dGate, 0, T, a.in, a.inOff, f, h, g.of(gateProj));
        GradKernels.matmulDw(dUp, 0, T, a.in, a.inOff, f, h, g.of(upProj));
        GradKernels.matmulDx(dGate, 0, T, GradKernels.floats(gateProj), f, h, dIn, dInOff);
        GradKernels.matmulDx(dUp, 0, T, GradKernels.floats(upProj), f, h, dIn, dInOff);
    }
}
