;; Pillow's fixed-point two-pass resampler (ImagingResample, 8 bits per
;; channel: precompute_coeffs + normalize_coeffs_8bpc + clip8) in WebAssembly
;; SIMD, one RGBA pixel per i32x4. The same integer arithmetic as
;; resample.ts's JS passes, so the bytes are the same (test/resample-wasm.test.ts);
;; the taps (which source pixels, which fixed-point weights) are computed in JS
;; and passed in. Built by tools/build-wasm.ts into resample-wasm-bytes.ts.
;;
;; Memory is the caller's: it grows it and places every buffer. Addresses are
;; byte offsets; tap tables are i32 arrays.
(module
  (memory (export "memory") 1)

  ;; clip8: (acc >> 22) clamped to 0..255, four lanes
  (func $clip (param $acc v128) (result v128)
    (i32x4.min_s
      (i32x4.max_s (i32x4.shr_s (local.get $acc) (i32.const 22)) (v128.const i32x4 0 0 0 0))
      (v128.const i32x4 255 255 255 255)))

  ;; Pass 1: for each source row in [0, rows), `cols` output pixels, each the
  ;; weighted sum of `count[j]` consecutive source pixels from `first[j]`;
  ;; written to `mid` as RGBA (4 bytes a pixel, the alpha lane as computed).
  (func (export "horizontal")
    (param $src i32) (param $srcStride i32) (param $rows i32) (param $cols i32)
    (param $first i32) (param $count i32) (param $weights i32) (param $maxTaps i32)
    (param $mid i32)
    (local $y i32) (local $j i32) (local $row i32) (local $p i32) (local $wp i32) (local $end i32)
    (local $m i32) (local $acc v128) (local $px v128) (local $out v128)
    (local.set $m (local.get $mid))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $y) (local.get $rows)))
        (local.set $row (i32.add (local.get $src) (i32.mul (local.get $y) (local.get $srcStride))))
        (local.set $j (i32.const 0))
        (block $colsDone
          (loop $colLoop
            (br_if $colsDone (i32.ge_u (local.get $j) (local.get $cols)))
            (local.set $acc (v128.const i32x4 2097152 2097152 2097152 2097152))
            (local.set $p (i32.add (local.get $row)
              (i32.shl (i32.load (i32.add (local.get $first) (i32.shl (local.get $j) (i32.const 2)))) (i32.const 2))))
            (local.set $wp (i32.add (local.get $weights) (i32.shl (i32.mul (local.get $j) (local.get $maxTaps)) (i32.const 2))))
            (local.set $end (i32.add (local.get $wp)
              (i32.shl (i32.load (i32.add (local.get $count) (i32.shl (local.get $j) (i32.const 2)))) (i32.const 2))))
            (block $tapsDone
              (loop $tapLoop
                (br_if $tapsDone (i32.ge_u (local.get $wp) (local.get $end)))
                (local.set $px (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u (v128.load32_zero (local.get $p)))))
                (local.set $acc (i32x4.add (local.get $acc)
                  (i32x4.mul (local.get $px) (i32x4.splat (i32.load (local.get $wp))))))
                (local.set $p (i32.add (local.get $p) (i32.const 4)))
                (local.set $wp (i32.add (local.get $wp) (i32.const 4)))
                (br $tapLoop)))
            (local.set $out (call $clip (local.get $acc)))
            (local.set $out (i16x8.narrow_i32x4_s (local.get $out) (local.get $out)))
            (local.set $out (i8x16.narrow_i16x8_u (local.get $out) (local.get $out)))
            (v128.store32_lane 0 (local.get $m) (local.get $out))
            (local.set $m (i32.add (local.get $m) (i32.const 4)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $colLoop)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $rowLoop))))

  ;; Pass 2: output row i (of `rows`) is the weighted sum of `count[i]`
  ;; consecutive `mid` rows from `first[i]`, `cols` pixels; written to `out`
  ;; (row i at out + i * outStride) with alpha 255. Four pixels (16 bytes) a
  ;; step, then the rest one by one.
  (func (export "vertical")
    (param $mid i32) (param $midStride i32) (param $rows i32) (param $cols i32)
    (param $first i32) (param $count i32) (param $weights i32) (param $maxTaps i32)
    (param $out i32) (param $outStride i32)
    (local $i i32) (local $c i32) (local $q i32) (local $wp i32) (local $end i32) (local $base i32) (local $o i32)
    (local $wide i32) (local $bytes i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $v v128) (local $lo v128) (local $hi v128) (local $w v128)
    (local.set $bytes (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $wide (i32.and (local.get $bytes) (i32.const -16)))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $rows)))
        (local.set $base (i32.add (local.get $mid)
          (i32.mul (i32.load (i32.add (local.get $first) (i32.shl (local.get $i) (i32.const 2)))) (local.get $midStride))))
        (local.set $o (i32.add (local.get $out) (i32.mul (local.get $i) (local.get $outStride))))
        (local.set $c (i32.const 0))
        ;; four pixels at a time
        (block $wideDone
          (loop $wideLoop
            (br_if $wideDone (i32.ge_u (local.get $c) (local.get $wide)))
            (local.set $a0 (v128.const i32x4 2097152 2097152 2097152 2097152))
            (local.set $a1 (local.get $a0))
            (local.set $a2 (local.get $a0))
            (local.set $a3 (local.get $a0))
            (local.set $q (i32.add (local.get $base) (local.get $c)))
            (local.set $wp (i32.add (local.get $weights) (i32.shl (i32.mul (local.get $i) (local.get $maxTaps)) (i32.const 2))))
            (local.set $end (i32.add (local.get $wp)
              (i32.shl (i32.load (i32.add (local.get $count) (i32.shl (local.get $i) (i32.const 2)))) (i32.const 2))))
            (block $tapsDone
              (loop $tapLoop
                (br_if $tapsDone (i32.ge_u (local.get $wp) (local.get $end)))
                (local.set $w (i32x4.splat (i32.load (local.get $wp))))
                (local.set $v (v128.load (local.get $q)))
                (local.set $lo (i16x8.extend_low_i8x16_u (local.get $v)))
                (local.set $hi (i16x8.extend_high_i8x16_u (local.get $v)))
                (local.set $a0 (i32x4.add (local.get $a0) (i32x4.mul (i32x4.extend_low_i16x8_u (local.get $lo)) (local.get $w))))
                (local.set $a1 (i32x4.add (local.get $a1) (i32x4.mul (i32x4.extend_high_i16x8_u (local.get $lo)) (local.get $w))))
                (local.set $a2 (i32x4.add (local.get $a2) (i32x4.mul (i32x4.extend_low_i16x8_u (local.get $hi)) (local.get $w))))
                (local.set $a3 (i32x4.add (local.get $a3) (i32x4.mul (i32x4.extend_high_i16x8_u (local.get $hi)) (local.get $w))))
                (local.set $q (i32.add (local.get $q) (local.get $midStride)))
                (local.set $wp (i32.add (local.get $wp) (i32.const 4)))
                (br $tapLoop)))
            (v128.store (i32.add (local.get $o) (local.get $c))
              (v128.or
                (i8x16.narrow_i16x8_u
                  (i16x8.narrow_i32x4_s (call $clip (local.get $a0)) (call $clip (local.get $a1)))
                  (i16x8.narrow_i32x4_s (call $clip (local.get $a2)) (call $clip (local.get $a3))))
                (v128.const i32x4 0xff000000 0xff000000 0xff000000 0xff000000)))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $wideLoop)))
        ;; the last cols % 4 pixels
        (block $narrowDone
          (loop $narrowLoop
            (br_if $narrowDone (i32.ge_u (local.get $c) (local.get $bytes)))
            (local.set $a0 (v128.const i32x4 2097152 2097152 2097152 2097152))
            (local.set $q (i32.add (local.get $base) (local.get $c)))
            (local.set $wp (i32.add (local.get $weights) (i32.shl (i32.mul (local.get $i) (local.get $maxTaps)) (i32.const 2))))
            (local.set $end (i32.add (local.get $wp)
              (i32.shl (i32.load (i32.add (local.get $count) (i32.shl (local.get $i) (i32.const 2)))) (i32.const 2))))
            (block $tapsDone1
              (loop $tapLoop1
                (br_if $tapsDone1 (i32.ge_u (local.get $wp) (local.get $end)))
                (local.set $a0 (i32x4.add (local.get $a0)
                  (i32x4.mul
                    (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u (v128.load32_zero (local.get $q))))
                    (i32x4.splat (i32.load (local.get $wp))))))
                (local.set $q (i32.add (local.get $q) (local.get $midStride)))
                (local.set $wp (i32.add (local.get $wp) (i32.const 4)))
                (br $tapLoop1)))
            (local.set $v (call $clip (local.get $a0)))
            (local.set $v (i16x8.narrow_i32x4_s (local.get $v) (local.get $v)))
            (local.set $v (i8x16.narrow_i16x8_u (local.get $v) (local.get $v)))
            (v128.store32_lane 0 (i32.add (local.get $o) (local.get $c))
              (v128.or (local.get $v) (v128.const i32x4 0xff000000 0xff000000 0xff000000 0xff000000)))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $narrowLoop)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rowLoop))))
)
