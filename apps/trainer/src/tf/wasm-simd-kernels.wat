(module
  ;; The next line becomes the memory import (plain or shared) in build-wasm-simd-kernels.ts.
  MEMORY_IMPORT

  ;; dx = dy where lo <= x <= hi, else +0 (bitwise select, exactly tfjs's where()), n elements.
  (func (export "clipGrad") (param $dy i32) (param $x i32) (param $out i32) (param $n i32) (param $lo f32) (param $hi f32)
    (local $i i32) (local $end4 i32) (local $vlo v128) (local $vhi v128) (local $v v128) (local $s f32)
    (local.set $vlo (f32x4.splat (local.get $lo)))
    (local.set $vhi (f32x4.splat (local.get $hi)))
    (local.set $end4 (i32.and (local.get $n) (i32.const -4)))
    (block $done4 (loop $loop4
      (br_if $done4 (i32.ge_u (local.get $i) (local.get $end4)))
      (local.set $v (v128.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2)))))
      (v128.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))
        (v128.and
          (v128.load (i32.add (local.get $dy) (i32.shl (local.get $i) (i32.const 2))))
          (v128.and (f32x4.ge (local.get $v) (local.get $vlo)) (f32x4.le (local.get $v) (local.get $vhi)))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $loop4)))
    (block $done (loop $loop
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $s (f32.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2)))))
      (f32.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))
        (select
          (f32.load (i32.add (local.get $dy) (i32.shl (local.get $i) (i32.const 2))))
          (f32.const 0)
          (i32.and (f32.ge (local.get $s) (local.get $lo)) (f32.le (local.get $s) (local.get $hi)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $loop)))
  )

  ;; acc[k] += a[k] * b[k] for k < n (f32, SIMD with a scalar tail).
  (func $macRow (param $acc i32) (param $a i32) (param $b i32) (param $n i32)
    (local $i i32) (local $end4 i32) (local $o i32)
    (local.set $end4 (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (local.set $n (i32.shl (local.get $n) (i32.const 2)))
    (block $done4 (loop $loop4
      (br_if $done4 (i32.ge_u (local.get $i) (local.get $end4)))
      (local.set $o (i32.add (local.get $acc) (local.get $i)))
      (v128.store (local.get $o)
        (f32x4.add (v128.load (local.get $o))
          (f32x4.mul (v128.load (i32.add (local.get $a) (local.get $i))) (v128.load (i32.add (local.get $b) (local.get $i))))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $loop4)))
    (block $done (loop $loop
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $o (i32.add (local.get $acc) (local.get $i)))
      (f32.store (local.get $o)
        (f32.add (f32.load (local.get $o))
          (f32.mul (f32.load (i32.add (local.get $a) (local.get $i))) (f32.load (i32.add (local.get $b) (local.get $i))))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $loop)))
  )

  ;; Depthwise filter gradient, channel multiplier 1, NHWC:
  ;; acc[i, j, c] += sum over b, y, x of x[b, y*sh - top + i*dh, x*sw - left + j*dw, c] * dy[b, y, x, c]
  ;; (taps outside the input contribute nothing). acc must be zeroed by the caller.
  ;; dims = pointer to 14 i32: B H W C oh ow fh fw sh sw dh dw top left.
  (func (export "depthwiseFilterGrad") (param $xp i32) (param $dyp i32) (param $acc i32) (param $dims i32)
    (local $B i32) (local $H i32) (local $W i32) (local $C i32) (local $oh i32) (local $ow i32)
    (local $fh i32) (local $fw i32) (local $sh i32) (local $sw i32) (local $dh i32) (local $dw i32)
    (local $top i32) (local $left i32)
    (local $b i32) (local $y i32) (local $i i32) (local $xo i32) (local $j i32) (local $r i32) (local $col i32)
    (local $dyRow i32) (local $xImage i32) (local $xRowBase i32) (local $rowBytes i32) (local $pixelBytes i32)
    (local.set $B (i32.load offset=0 (local.get $dims)))
    (local.set $H (i32.load offset=4 (local.get $dims)))
    (local.set $W (i32.load offset=8 (local.get $dims)))
    (local.set $C (i32.load offset=12 (local.get $dims)))
    (local.set $oh (i32.load offset=16 (local.get $dims)))
    (local.set $ow (i32.load offset=20 (local.get $dims)))
    (local.set $fh (i32.load offset=24 (local.get $dims)))
    (local.set $fw (i32.load offset=28 (local.get $dims)))
    (local.set $sh (i32.load offset=32 (local.get $dims)))
    (local.set $sw (i32.load offset=36 (local.get $dims)))
    (local.set $dh (i32.load offset=40 (local.get $dims)))
    (local.set $dw (i32.load offset=44 (local.get $dims)))
    (local.set $top (i32.load offset=48 (local.get $dims)))
    (local.set $left (i32.load offset=52 (local.get $dims)))
    (local.set $pixelBytes (i32.shl (local.get $C) (i32.const 2)))
    (local.set $rowBytes (i32.mul (local.get $W) (local.get $pixelBytes)))
    (local.set $dyRow (local.get $dyp))
    (local.set $b (i32.const 0))
    (block $bDone (loop $bLoop
      (br_if $bDone (i32.ge_s (local.get $b) (local.get $B)))
      (local.set $xImage (i32.add (local.get $xp) (i32.mul (i32.mul (local.get $b) (local.get $H)) (local.get $rowBytes))))
      (local.set $y (i32.const 0))
      (block $yDone (loop $yLoop
        (br_if $yDone (i32.ge_s (local.get $y) (local.get $oh)))
        (local.set $xo (i32.const 0))
        (block $xDone (loop $xLoop
          (br_if $xDone (i32.ge_s (local.get $xo) (local.get $ow)))
          ;; $dyRow points at dy[b, y, xo, 0]
          (local.set $i (i32.const 0))
          (block $iDone (loop $iLoop
            (br_if $iDone (i32.ge_s (local.get $i) (local.get $fh)))
            (local.set $r (i32.add (i32.sub (i32.mul (local.get $y) (local.get $sh)) (local.get $top)) (i32.mul (local.get $i) (local.get $dh))))
            (if (i32.and (i32.ge_s (local.get $r) (i32.const 0)) (i32.lt_s (local.get $r) (local.get $H)))
              (then
                (local.set $xRowBase (i32.add (local.get $xImage) (i32.mul (local.get $r) (local.get $rowBytes))))
                (local.set $j (i32.const 0))
                (block $jDone (loop $jLoop
                  (br_if $jDone (i32.ge_s (local.get $j) (local.get $fw)))
                  (local.set $col (i32.add (i32.sub (i32.mul (local.get $xo) (local.get $sw)) (local.get $left)) (i32.mul (local.get $j) (local.get $dw))))
                  (if (i32.and (i32.ge_s (local.get $col) (i32.const 0)) (i32.lt_s (local.get $col) (local.get $W)))
                    (then
                      (call $macRow
                        (i32.add (local.get $acc) (i32.mul (i32.add (i32.mul (local.get $i) (local.get $fw)) (local.get $j)) (local.get $pixelBytes)))
                        (i32.add (local.get $xRowBase) (i32.mul (local.get $col) (local.get $pixelBytes)))
                        (local.get $dyRow)
                        (local.get $C))))
                  (local.set $j (i32.add (local.get $j) (i32.const 1)))
                  (br $jLoop)))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $iLoop)))
          (local.set $dyRow (i32.add (local.get $dyRow) (local.get $pixelBytes)))
          (local.set $xo (i32.add (local.get $xo) (i32.const 1)))
          (br $xLoop)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $yLoop)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $bLoop)))
  )
)
