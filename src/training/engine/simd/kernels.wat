;; WebAssembly SIMD kernels that tfjs-backend-wasm runs slowly (engine/simd/simdKernels.ts says which and why).
;; They run on tfjs's own heap: the memory is imported from the backend's module, and every address is a byte
;; offset of a float32 tensor in it. Assembled by scripts/wasm-kernels.ts into kernelsBinary.ts.
;;
;; Conventions: matrices are row-major float32; strides are in elements.
(module
  (import "env" "memory" (memory 1))

  ;; C[b] = A[b] · B[b] for b < batch: A[b] is m × k with element (i, p) at a + 4·(b·sAb + i·sAi + p·sAp), so a
  ;; transposed A costs nothing (swap sAi and sAp); B[b] is k × n row-major at bm + 4·b·sBb; C[b] is m × n row-major
  ;; at c + 4·b·m·n. A stride of 0 broadcasts an operand over the batch.
  ;; Blocks of 4 rows × 8 columns keep 8 accumulators in registers, so each pair of B vectors loaded serves 4 rows;
  ;; rows left over take 1 × 8 blocks, columns left over (n mod 8) a scalar dot product.
  (func (export "matmul")
    (param $a i32) (param $sAb i32) (param $sAi i32) (param $sAp i32)
    (param $bm i32) (param $sBb i32) (param $c i32)
    (param $batch i32) (param $m i32) (param $k i32) (param $n i32)
    (local $b i32) (local $i i32) (local $j i32) (local $n8 i32) (local $m4 i32)
    (local $pa i32) (local $pb i32) (local $pc i32) (local $ldb i32)
    (local.set $sAb (i32.shl (local.get $sAb) (i32.const 2)))
    (local.set $sAi (i32.shl (local.get $sAi) (i32.const 2)))
    (local.set $sAp (i32.shl (local.get $sAp) (i32.const 2)))
    (local.set $sBb (i32.shl (local.get $sBb) (i32.const 2)))
    (local.set $ldb (i32.shl (local.get $n) (i32.const 2)))
    (local.set $n8 (i32.and (local.get $n) (i32.const -8)))
    (local.set $m4 (i32.and (local.get $m) (i32.const -4)))
    (block $batches_done
      (loop $batches
        (br_if $batches_done (i32.ge_u (local.get $b) (local.get $batch)))
        ;; Column blocks of 8.
        (local.set $j (i32.const 0))
        (block $cols_done
          (loop $cols
            (br_if $cols_done (i32.ge_u (local.get $j) (local.get $n8)))
            (local.set $pb (i32.add (local.get $bm) (i32.shl (local.get $j) (i32.const 2))))
            (local.set $i (i32.const 0))
            (block $rows4_done
              (loop $rows4
                (br_if $rows4_done (i32.ge_u (local.get $i) (local.get $m4)))
                (call $tile4x8
                  (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $sAi)))
                  (local.get $sAi) (local.get $sAp) (local.get $pb) (local.get $ldb)
                  (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 2)))
                  (local.get $ldb) (local.get $k))
                (local.set $i (i32.add (local.get $i) (i32.const 4)))
                (br $rows4)))
            (block $rows1_done
              (loop $rows1
                (br_if $rows1_done (i32.ge_u (local.get $i) (local.get $m)))
                (call $tile1x8
                  (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $sAi)))
                  (local.get $sAp) (local.get $pb) (local.get $ldb)
                  (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 2)))
                  (local.get $k))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $rows1)))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $cols)))
        ;; Columns left over: one dot product per element.
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_u (local.get $j) (local.get $n)))
            (local.set $i (i32.const 0))
            (block $trows_done
              (loop $trows
                (br_if $trows_done (i32.ge_u (local.get $i) (local.get $m)))
                (f32.store
                  (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 2)))
                  (call $dot
                    (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $sAi)))
                    (local.get $sAp)
                    (i32.add (local.get $bm) (i32.shl (local.get $j) (i32.const 2)))
                    (local.get $ldb) (local.get $k)))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $trows)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $tail)))
        (local.set $a (i32.add (local.get $a) (local.get $sAb)))
        (local.set $bm (i32.add (local.get $bm) (local.get $sBb)))
        (local.set $c (i32.add (local.get $c) (i32.shl (i32.mul (local.get $m) (local.get $n)) (i32.const 2))))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $batches))))

  ;; Rows r..r+3 × columns j..j+7 of C: pa points at A(r, 0), pb at B(0, j), pc at C(r, j); byte strides sAi, sAp
  ;; (A), ldb (B's rows), ldc (C's rows).
  (func $tile4x8
    (param $pa i32) (param $sAi i32) (param $sAp i32) (param $pb i32) (param $ldb i32) (param $pc i32) (param $ldc i32) (param $k i32)
    (local $p1 i32) (local $p2 i32) (local $p3 i32) (local $x v128) (local $b0 v128) (local $b1 v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local.set $p1 (i32.add (local.get $pa) (local.get $sAi)))
    (local.set $p2 (i32.add (local.get $p1) (local.get $sAi)))
    (local.set $p3 (i32.add (local.get $p2) (local.get $sAi)))
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $next
        (local.set $b0 (v128.load (local.get $pb)))
        (local.set $b1 (v128.load offset=16 (local.get $pb)))
        (local.set $x (v128.load32_splat (local.get $pa)))
        (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $x) (local.get $b0))))
        (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $x) (local.get $b1))))
        (local.set $x (v128.load32_splat (local.get $p1)))
        (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $x) (local.get $b0))))
        (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $x) (local.get $b1))))
        (local.set $x (v128.load32_splat (local.get $p2)))
        (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $x) (local.get $b0))))
        (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $x) (local.get $b1))))
        (local.set $x (v128.load32_splat (local.get $p3)))
        (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $x) (local.get $b0))))
        (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $x) (local.get $b1))))
        (local.set $pa (i32.add (local.get $pa) (local.get $sAp)))
        (local.set $p1 (i32.add (local.get $p1) (local.get $sAp)))
        (local.set $p2 (i32.add (local.get $p2) (local.get $sAp)))
        (local.set $p3 (i32.add (local.get $p3) (local.get $sAp)))
        (local.set $pb (i32.add (local.get $pb) (local.get $ldb)))
        (local.set $k (i32.sub (local.get $k) (i32.const 1)))
        (br_if $next (local.get $k))))
    (v128.store (local.get $pc) (local.get $c00))
    (v128.store offset=16 (local.get $pc) (local.get $c01))
    (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
    (v128.store (local.get $pc) (local.get $c10))
    (v128.store offset=16 (local.get $pc) (local.get $c11))
    (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
    (v128.store (local.get $pc) (local.get $c20))
    (v128.store offset=16 (local.get $pc) (local.get $c21))
    (local.set $pc (i32.add (local.get $pc) (local.get $ldc)))
    (v128.store (local.get $pc) (local.get $c30))
    (v128.store offset=16 (local.get $pc) (local.get $c31)))

  ;; One row × columns j..j+7 of C (the rows left over by tile4x8).
  (func $tile1x8
    (param $pa i32) (param $sAp i32) (param $pb i32) (param $ldb i32) (param $pc i32) (param $k i32)
    (local $x v128) (local $c0 v128) (local $c1 v128)
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $next
        (local.set $x (v128.load32_splat (local.get $pa)))
        (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (local.get $x) (v128.load (local.get $pb)))))
        (local.set $c1 (f32x4.add (local.get $c1) (f32x4.mul (local.get $x) (v128.load offset=16 (local.get $pb)))))
        (local.set $pa (i32.add (local.get $pa) (local.get $sAp)))
        (local.set $pb (i32.add (local.get $pb) (local.get $ldb)))
        (local.set $k (i32.sub (local.get $k) (i32.const 1)))
        (br_if $next (local.get $k))))
    (v128.store (local.get $pc) (local.get $c0))
    (v128.store offset=16 (local.get $pc) (local.get $c1)))

  ;; Σ_p A(r, p)·B(p, j): pa at A(r, 0), pb at B(0, j).
  (func $dot (param $pa i32) (param $sAp i32) (param $pb i32) (param $ldb i32) (param $k i32) (result f32)
    (local $sum f32)
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $next
        (local.set $sum (f32.add (local.get $sum) (f32.mul (f32.load (local.get $pa)) (f32.load (local.get $pb)))))
        (local.set $pa (i32.add (local.get $pa) (local.get $sAp)))
        (local.set $pb (i32.add (local.get $pb) (local.get $ldb)))
        (local.set $k (i32.sub (local.get $k) (i32.const 1)))
        (br_if $next (local.get $k))))
    (local.get $sum))

  ;; dst[b] = src[b]ᵀ for b < batch: src[b] is rows × cols at src + 4·b·rows·cols, dst[b] is cols × rows.
  ;; 4 × 4 blocks are transposed in registers (two rounds of shuffles); the ragged edges element by element.
  ;; Columns are walked in bands of 16 down all rows, so the stores of a band go to 16 destination rows only
  ;; (row by row across the whole width they would touch every destination row, a page each, for every 4 rows).
  (func (export "transpose") (param $src i32) (param $dst i32) (param $batch i32) (param $rows i32) (param $cols i32)
    (local $b i32) (local $i i32) (local $j i32) (local $band i32) (local $bandEnd i32) (local $rows4 i32) (local $cols4 i32)
    (local.set $rows4 (i32.and (local.get $rows) (i32.const -4)))
    (local.set $cols4 (i32.and (local.get $cols) (i32.const -4)))
    (block $batches_done
      (loop $batches
        (br_if $batches_done (i32.ge_u (local.get $b) (local.get $batch)))
        (local.set $band (i32.const 0))
        (block $bands_done
          (loop $bands
            (br_if $bands_done (i32.ge_u (local.get $band) (local.get $cols4)))
            (local.set $bandEnd (select (i32.add (local.get $band) (i32.const 16)) (local.get $cols4)
              (i32.lt_u (i32.add (local.get $band) (i32.const 16)) (local.get $cols4))))
            (local.set $i (i32.const 0))
            (block $rows_done
              (loop $rows_loop
                (br_if $rows_done (i32.ge_u (local.get $i) (local.get $rows4)))
                (local.set $j (local.get $band))
                (block $cols_done
                  (loop $cols_loop
                    (br_if $cols_done (i32.ge_u (local.get $j) (local.get $bandEnd)))
                    (call $transposeBlock (local.get $src) (local.get $dst) (local.get $rows) (local.get $cols) (local.get $i) (local.get $j))
                    (local.set $j (i32.add (local.get $j) (i32.const 4)))
                    (br $cols_loop)))
                (local.set $i (i32.add (local.get $i) (i32.const 4)))
                (br $rows_loop)))
            (local.set $band (local.get $bandEnd))
            (br $bands)))
        ;; the ragged edges: columns past the last whole block in the whole rows, then the rows left over
        (call $transposeScalar (local.get $src) (local.get $dst) (local.get $rows) (local.get $cols)
          (i32.const 0) (local.get $rows4) (local.get $cols4))
        (call $transposeScalar (local.get $src) (local.get $dst) (local.get $rows) (local.get $cols)
          (local.get $rows4) (local.get $rows) (i32.const 0))
        (local.set $src (i32.add (local.get $src) (i32.shl (i32.mul (local.get $rows) (local.get $cols)) (i32.const 2))))
        (local.set $dst (i32.add (local.get $dst) (i32.shl (i32.mul (local.get $rows) (local.get $cols)) (i32.const 2))))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $batches))))

  ;; The 4 × 4 block at src(i, j) to dst(j, i).
  (func $transposeBlock (param $src i32) (param $dst i32) (param $rows i32) (param $cols i32) (param $i i32) (param $j i32)
    (local $s i32) (local $d i32) (local $srow i32) (local $drow i32)
    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $srow (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $drow (i32.shl (local.get $rows) (i32.const 2)))
    (local.set $s (i32.add (local.get $src) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $cols)) (local.get $j)) (i32.const 2))))
    (local.set $d (i32.add (local.get $dst) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $rows)) (local.get $i)) (i32.const 2))))
    (local.set $r0 (v128.load (local.get $s)))
    (local.set $s (i32.add (local.get $s) (local.get $srow)))
    (local.set $r1 (v128.load (local.get $s)))
    (local.set $s (i32.add (local.get $s) (local.get $srow)))
    (local.set $r2 (v128.load (local.get $s)))
    (local.set $s (i32.add (local.get $s) (local.get $srow)))
    (local.set $r3 (v128.load (local.get $s)))
    ;; t0 = r0[0] r1[0] r0[1] r1[1], t1 = r0[2] r1[2] r0[3] r1[3], t2/t3 the same of r2, r3
    (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r0) (local.get $r1)))
    (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r0) (local.get $r1)))
    (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r2) (local.get $r3)))
    (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r2) (local.get $r3)))
    ;; column q of the block = lanes (0, 1) or (2, 3) of t0/t1 followed by the same lanes of t2/t3
    (v128.store (local.get $d) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
    (local.set $d (i32.add (local.get $d) (local.get $drow)))
    (v128.store (local.get $d) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
    (local.set $d (i32.add (local.get $d) (local.get $drow)))
    (v128.store (local.get $d) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
    (local.set $d (i32.add (local.get $d) (local.get $drow)))
    (v128.store (local.get $d) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3))))

  ;; dst(j, i) = src(i, j) for rows [i0, i1) and columns [j0, cols).
  (func $transposeScalar (param $src i32) (param $dst i32) (param $rows i32) (param $cols i32)
    (param $i0 i32) (param $i1 i32) (param $j0 i32)
    (local $i i32) (local $j i32)
    (local.set $i (local.get $i0))
    (block $rows_done
      (loop $rows_loop
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $i1)))
        (local.set $j (local.get $j0))
        (block $cols_done
          (loop $cols_loop
            (br_if $cols_done (i32.ge_u (local.get $j) (local.get $cols)))
            (f32.store
              (i32.add (local.get $dst) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $rows)) (local.get $i)) (i32.const 2)))
              (f32.load (i32.add (local.get $src) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $cols)) (local.get $j)) (i32.const 2)))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $cols_loop)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows_loop))))

  ;; GELU, exact form x·Φ(x) (PyTorch's default and BERT's), forward and backward over count floats:
  ;;   gelu(x, y, count):        y = x·Φ(x)
  ;;   geluGrad(x, dy, dx, count): dx = dy·(Φ(x) + x·φ(x))
  ;; Φ(−|x|) = ½·erfc(|x|/√2) by Abramowitz & Stegun 7.1.26 (|error of erf| ≤ 1.5e-7), whose e^(−x²/2) factor is
  ;; also √(2π)·φ(x), so one exponential serves both. Φ(x) for x ≥ 0 is 1 − Φ(−x), never a difference of two near
  ;; values for x < 0. NaN stays NaN.
  (func $expNonPositive (param $z v128) (result v128)
    ;; e^z for z ≤ 0: z = n·ln2 + r with |r| ≤ ln2/2 (ln2 split in two for an exact n·ln2_hi), e^r by its Taylor
    ;; polynomial to r⁶ (relative error < 2e-7), 2^n from the exponent bits. Clamped at −87 (e^−87 ≈ 1.6e-38).
    (local $n v128) (local $r v128) (local $p v128)
    (local.set $z (f32x4.max (local.get $z) (f32x4.splat (f32.const -87))))
    (local.set $n (f32x4.nearest (f32x4.mul (local.get $z) (f32x4.splat (f32.const 1.44269504)))))
    (local.set $r (f32x4.sub (f32x4.sub (local.get $z) (f32x4.mul (local.get $n) (f32x4.splat (f32.const 0.693145751953125))))
      (f32x4.mul (local.get $n) (f32x4.splat (f32.const 1.428606765330187e-6)))))
    (local.set $p (f32x4.add (f32x4.splat (f32.const 0.0083333333)) (f32x4.mul (local.get $r) (f32x4.splat (f32.const 0.0013888889)))))
    (local.set $p (f32x4.add (f32x4.splat (f32.const 0.041666667)) (f32x4.mul (local.get $r) (local.get $p))))
    (local.set $p (f32x4.add (f32x4.splat (f32.const 0.16666667)) (f32x4.mul (local.get $r) (local.get $p))))
    (local.set $p (f32x4.add (f32x4.splat (f32.const 0.5)) (f32x4.mul (local.get $r) (local.get $p))))
    (local.set $p (f32x4.add (f32x4.splat (f32.const 1)) (f32x4.mul (local.get $r) (local.get $p))))
    (local.set $p (f32x4.add (f32x4.splat (f32.const 1)) (f32x4.mul (local.get $r) (local.get $p))))
    (f32x4.mul (local.get $p)
      (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (i32x4.splat (i32.const 127))) (i32.const 23))))

  ;; Φ(x) and e^(−x²/2).
  (func $gaussian (param $x v128) (result v128 v128)
    (local $t v128) (local $poly v128) (local $e v128) (local $q v128)
    ;; t = 1 / (1 + p·|x|/√2)
    (local.set $t (f32x4.div (f32x4.splat (f32.const 1))
      (f32x4.add (f32x4.splat (f32.const 1)) (f32x4.mul (f32x4.abs (local.get $x)) (f32x4.splat (f32.const 0.23164189))))))
    (local.set $poly (f32x4.add (f32x4.splat (f32.const -1.453152027)) (f32x4.mul (local.get $t) (f32x4.splat (f32.const 1.061405429)))))
    (local.set $poly (f32x4.add (f32x4.splat (f32.const 1.421413741)) (f32x4.mul (local.get $t) (local.get $poly))))
    (local.set $poly (f32x4.add (f32x4.splat (f32.const -0.284496736)) (f32x4.mul (local.get $t) (local.get $poly))))
    (local.set $poly (f32x4.add (f32x4.splat (f32.const 0.254829592)) (f32x4.mul (local.get $t) (local.get $poly))))
    (local.set $poly (f32x4.mul (local.get $t) (local.get $poly)))
    (local.set $e (call $expNonPositive (f32x4.mul (f32x4.mul (local.get $x) (local.get $x)) (f32x4.splat (f32.const -0.5)))))
    ;; q = Φ(−|x|) = ½·poly·e
    (local.set $q (f32x4.mul (f32x4.mul (local.get $poly) (local.get $e)) (f32x4.splat (f32.const 0.5))))
    (v128.bitselect (local.get $q) (f32x4.sub (f32x4.splat (f32.const 1)) (local.get $q)) (f32x4.lt (local.get $x) (f32x4.splat (f32.const 0))))
    (local.get $e))

  (func $geluVector (param $x v128) (result v128)
    (local $cdf v128) (local $e v128)
    (call $gaussian (local.get $x))
    (local.set $e)
    (local.set $cdf)
    (f32x4.mul (local.get $x) (local.get $cdf)))

  (func $geluGradVector (param $x v128) (param $dy v128) (result v128)
    (local $cdf v128) (local $e v128)
    (call $gaussian (local.get $x))
    (local.set $e)
    (local.set $cdf)
    ;; dy·(Φ + x·e/√(2π))
    (f32x4.mul (local.get $dy) (f32x4.add (local.get $cdf)
      (f32x4.mul (local.get $x) (f32x4.mul (local.get $e) (f32x4.splat (f32.const 0.39894228)))))))

  (func (export "gelu") (param $x i32) (param $y i32) (param $count i32)
    (local $end i32) (local $end4 i32)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $count) (i32.const 2))))
    (local.set $end4 (i32.add (local.get $x) (i32.shl (i32.and (local.get $count) (i32.const -4)) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $x) (local.get $end4)))
        (v128.store (local.get $y) (call $geluVector (v128.load (local.get $x))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $y (i32.add (local.get $y) (i32.const 16)))
        (br $next)))
    ;; the last count mod 4 values one at a time, through the same vector code
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $x) (local.get $end)))
        (f32.store (local.get $y) (f32x4.extract_lane 0 (call $geluVector (f32x4.splat (f32.load (local.get $x))))))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (local.set $y (i32.add (local.get $y) (i32.const 4)))
        (br $tail))))

  (func (export "geluGrad") (param $x i32) (param $dy i32) (param $dx i32) (param $count i32)
    (local $end i32) (local $end4 i32)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $count) (i32.const 2))))
    (local.set $end4 (i32.add (local.get $x) (i32.shl (i32.and (local.get $count) (i32.const -4)) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $x) (local.get $end4)))
        (v128.store (local.get $dx) (call $geluGradVector (v128.load (local.get $x)) (v128.load (local.get $dy))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $dy (i32.add (local.get $dy) (i32.const 16)))
        (local.set $dx (i32.add (local.get $dx) (i32.const 16)))
        (br $next)))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $x) (local.get $end)))
        (f32.store (local.get $dx) (f32x4.extract_lane 0
          (call $geluGradVector (f32x4.splat (f32.load (local.get $x))) (f32x4.splat (f32.load (local.get $dy))))))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (local.set $dy (i32.add (local.get $dy) (i32.const 4)))
        (local.set $dx (i32.add (local.get $dx) (i32.const 4)))
        (br $tail))))

  ;; LayerNorm over rows of d values (d a multiple of 4), forward and backward; the same formulas as the JavaScript
  ;; kernels in engine/transformerKernels.ts, summed in float32 lanes.
  ;;   layerNorm(x, gamma, beta, y, mean, rstd, rows, d, epsilon):
  ;;     y = (x − μ)·r·γ + β per row, r = 1/√(var + ε) (biased variance); μ and r kept for the gradient.
  ;;   layerNormGrad(dy, x, gamma, mean, rstd, dx, dgamma, dbeta, rows, d):
  ;;     with x̂ = (x − μ)·r and g = dy·γ: dx = r·(g − mean(g) − x̂·mean(g·x̂)), dγ = Σ_rows dy·x̂, dβ = Σ_rows dy.
  (func $sumLanes (param $v v128) (result f32)
    (f32.add (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  (func (export "layerNorm") (param $x i32) (param $gamma i32) (param $beta i32) (param $y i32) (param $mean i32) (param $rstd i32)
    (param $rows i32) (param $d i32) (param $epsilon f32)
    (local $row i32) (local $j i32) (local $bytes i32) (local $acc v128) (local $mu v128) (local $r v128) (local $v v128)
    (local $m f32) (local $rs f32)
    (local.set $bytes (i32.shl (local.get $d) (i32.const 2)))
    (block $rows_done
      (loop $rows_loop
        (br_if $rows_done (i32.ge_u (local.get $row) (local.get $rows)))
        ;; μ
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (block $a_done (loop $a
          (br_if $a_done (i32.ge_u (local.get $j) (local.get $bytes)))
          (local.set $acc (f32x4.add (local.get $acc) (v128.load (i32.add (local.get $x) (local.get $j)))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br $a)))
        (local.set $m (f32.div (call $sumLanes (local.get $acc)) (f32.convert_i32_u (local.get $d))))
        (local.set $mu (f32x4.splat (local.get $m)))
        ;; variance
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (block $b_done (loop $b
          (br_if $b_done (i32.ge_u (local.get $j) (local.get $bytes)))
          (local.set $v (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $j))) (local.get $mu)))
          (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $v) (local.get $v))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br $b)))
        (local.set $rs (f32.div (f32.const 1)
          (f32.sqrt (f32.add (f32.div (call $sumLanes (local.get $acc)) (f32.convert_i32_u (local.get $d))) (local.get $epsilon)))))
        (local.set $r (f32x4.splat (local.get $rs)))
        ;; y
        (local.set $j (i32.const 0))
        (block $c_done (loop $c
          (br_if $c_done (i32.ge_u (local.get $j) (local.get $bytes)))
          (v128.store (i32.add (local.get $y) (local.get $j))
            (f32x4.add
              (f32x4.mul (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $j))) (local.get $mu)) (local.get $r))
                (v128.load (i32.add (local.get $gamma) (local.get $j))))
              (v128.load (i32.add (local.get $beta) (local.get $j)))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br $c)))
        (f32.store (local.get $mean) (local.get $m))
        (f32.store (local.get $rstd) (local.get $rs))
        (local.set $x (i32.add (local.get $x) (local.get $bytes)))
        (local.set $y (i32.add (local.get $y) (local.get $bytes)))
        (local.set $mean (i32.add (local.get $mean) (i32.const 4)))
        (local.set $rstd (i32.add (local.get $rstd) (i32.const 4)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $rows_loop))))

  (func (export "layerNormGrad") (param $dy i32) (param $x i32) (param $gamma i32) (param $mean i32) (param $rstd i32)
    (param $dx i32) (param $dgamma i32) (param $dbeta i32) (param $rows i32) (param $d i32)
    (local $row i32) (local $j i32) (local $bytes i32) (local $mu v128) (local $r v128) (local $xhat v128) (local $dyv v128)
    (local $g v128) (local $gs v128) (local $gxs v128) (local $gmean v128) (local $gxmean v128) (local $dinv f32)
    (local.set $bytes (i32.shl (local.get $d) (i32.const 2)))
    (local.set $dinv (f32.div (f32.const 1) (f32.convert_i32_u (local.get $d))))
    ;; dγ, dβ start at 0 (fresh outputs are not cleared)
    (local.set $j (i32.const 0))
    (block $z_done (loop $z
      (br_if $z_done (i32.ge_u (local.get $j) (local.get $bytes)))
      (v128.store (i32.add (local.get $dgamma) (local.get $j)) (v128.const i32x4 0 0 0 0))
      (v128.store (i32.add (local.get $dbeta) (local.get $j)) (v128.const i32x4 0 0 0 0))
      (local.set $j (i32.add (local.get $j) (i32.const 16)))
      (br $z)))
    (block $rows_done
      (loop $rows_loop
        (br_if $rows_done (i32.ge_u (local.get $row) (local.get $rows)))
        (local.set $mu (v128.load32_splat (local.get $mean)))
        (local.set $r (v128.load32_splat (local.get $rstd)))
        (local.set $gs (v128.const i32x4 0 0 0 0))
        (local.set $gxs (v128.const i32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (block $a_done (loop $a
          (br_if $a_done (i32.ge_u (local.get $j) (local.get $bytes)))
          (local.set $xhat (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $j))) (local.get $mu)) (local.get $r)))
          (local.set $dyv (v128.load (i32.add (local.get $dy) (local.get $j))))
          (local.set $g (f32x4.mul (local.get $dyv) (v128.load (i32.add (local.get $gamma) (local.get $j)))))
          (local.set $gs (f32x4.add (local.get $gs) (local.get $g)))
          (local.set $gxs (f32x4.add (local.get $gxs) (f32x4.mul (local.get $g) (local.get $xhat))))
          (v128.store (i32.add (local.get $dgamma) (local.get $j))
            (f32x4.add (v128.load (i32.add (local.get $dgamma) (local.get $j))) (f32x4.mul (local.get $dyv) (local.get $xhat))))
          (v128.store (i32.add (local.get $dbeta) (local.get $j))
            (f32x4.add (v128.load (i32.add (local.get $dbeta) (local.get $j))) (local.get $dyv)))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br $a)))
        (local.set $gmean (f32x4.splat (f32.mul (call $sumLanes (local.get $gs)) (local.get $dinv))))
        (local.set $gxmean (f32x4.splat (f32.mul (call $sumLanes (local.get $gxs)) (local.get $dinv))))
        (local.set $j (i32.const 0))
        (block $b_done (loop $b
          (br_if $b_done (i32.ge_u (local.get $j) (local.get $bytes)))
          (local.set $xhat (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $j))) (local.get $mu)) (local.get $r)))
          (v128.store (i32.add (local.get $dx) (local.get $j))
            (f32x4.mul (local.get $r)
              (f32x4.sub
                (f32x4.sub (f32x4.mul (v128.load (i32.add (local.get $dy) (local.get $j))) (v128.load (i32.add (local.get $gamma) (local.get $j))))
                  (local.get $gmean))
                (f32x4.mul (local.get $xhat) (local.get $gxmean)))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br $b)))
        (local.set $x (i32.add (local.get $x) (local.get $bytes)))
        (local.set $dy (i32.add (local.get $dy) (local.get $bytes)))
        (local.set $dx (i32.add (local.get $dx) (local.get $bytes)))
        (local.set $mean (i32.add (local.get $mean) (i32.const 4)))
        (local.set $rstd (i32.add (local.get $rstd) (i32.const 4)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $rows_loop))))
)
