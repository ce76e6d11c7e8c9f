;; WebAssembly SIMD distance kernels: squared L2 and inner product over float32 vectors.
;;
;; The source of the bytes embedded (base64) in distance-wasm.ts. After editing, run
;; `npx tsx bench/distance/assemble.ts --write` to re-embed them; test/index/distance-wasm.test.ts
;; fails while the embedded bytes and this file disagree.
;;
;; Contract: every address is a BYTE offset into the imported memory (the caller owns the layout and
;; the growth of that memory); `dim` is a float count. Vectors need no alignment (v128.load accepts
;; any address). Sums are accumulated in float32 lanes, so results differ from the float64-summing JS
;; kernels by a relative ~1e-6, which never matters for ranking neighbours.
;;
;; Shape of each kernel: 16 floats per iteration into four independent f32x4 accumulators (four
;; chains hide the add latency), then 4 floats per iteration into one accumulator, a horizontal sum,
;; then a scalar tail for the last dim % 4 floats. The batch kernels take candidates two at a time
;; ($l2Pair/$ipPair): measured on siftsmall HNSW search at ef 64 (engine, CPU time, 3 alternating runs
;; each) 10.1K against 9.0K QPS for one candidate at a time, since the two independent chains overlap
;; the cache misses of two random vectors and the query block is loaded once for both.
(module
  (import "env" "memory" (memory 1))

  ;; Sum of squared differences of the dim floats at byte addresses $a and $b.
  (func $l2 (param $a i32) (param $b i32) (param $dim i32) (result f32)
    (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128)
    (local $d v128) (local $end i32) (local $sum f32) (local $x f32)
    ;; $end = $a + floor(dim / 16) * 16 floats
    (local.set $end (i32.add (local.get $a) (i32.shl (i32.and (local.get $dim) (i32.const -16)) (i32.const 2))))
    (block $done16
      (br_if $done16 (i32.ge_u (local.get $a) (local.get $end)))
      (loop $by16
        (local.set $d (f32x4.sub (v128.load (local.get $a)) (v128.load (local.get $b))))
        (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $d (f32x4.sub (v128.load offset=16 (local.get $a)) (v128.load offset=16 (local.get $b))))
        (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $d (f32x4.sub (v128.load offset=32 (local.get $a)) (v128.load offset=32 (local.get $b))))
        (local.set $acc2 (f32x4.add (local.get $acc2) (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $d (f32x4.sub (v128.load offset=48 (local.get $a)) (v128.load offset=48 (local.get $b))))
        (local.set $acc3 (f32x4.add (local.get $acc3) (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $a (i32.add (local.get $a) (i32.const 64)))
        (local.set $b (i32.add (local.get $b) (i32.const 64)))
        (br_if $by16 (i32.lt_u (local.get $a) (local.get $end)))))
    ;; $end = $a + floor((dim % 16) / 4) * 4 floats
    (local.set $end (i32.add (local.get $a) (i32.shl (i32.and (local.get $dim) (i32.const 12)) (i32.const 2))))
    (block $done4
      (br_if $done4 (i32.ge_u (local.get $a) (local.get $end)))
      (loop $by4
        (local.set $d (f32x4.sub (v128.load (local.get $a)) (v128.load (local.get $b))))
        (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (br_if $by4 (i32.lt_u (local.get $a) (local.get $end)))))
    (local.set $acc0 (f32x4.add (f32x4.add (local.get $acc0) (local.get $acc1))
                                (f32x4.add (local.get $acc2) (local.get $acc3))))
    (local.set $sum (f32.add (f32.add (f32x4.extract_lane 0 (local.get $acc0)) (f32x4.extract_lane 1 (local.get $acc0)))
                             (f32.add (f32x4.extract_lane 2 (local.get $acc0)) (f32x4.extract_lane 3 (local.get $acc0)))))
    ;; scalar tail: the last dim % 4 floats
    (local.set $end (i32.add (local.get $a) (i32.shl (i32.and (local.get $dim) (i32.const 3)) (i32.const 2))))
    (block $done1
      (br_if $done1 (i32.ge_u (local.get $a) (local.get $end)))
      (loop $by1
        (local.set $x (f32.sub (f32.load (local.get $a)) (f32.load (local.get $b))))
        (local.set $sum (f32.add (local.get $sum) (f32.mul (local.get $x) (local.get $x))))
        (local.set $a (i32.add (local.get $a) (i32.const 4)))
        (local.set $b (i32.add (local.get $b) (i32.const 4)))
        (br_if $by1 (i32.lt_u (local.get $a) (local.get $end)))))
    (local.get $sum))

  ;; Inner product of the dim floats at byte addresses $a and $b (same shape as $l2).
  (func $ip (param $a i32) (param $b i32) (param $dim i32) (result f32)
    (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128)
    (local $end i32) (local $sum f32)
    (local.set $end (i32.add (local.get $a) (i32.shl (i32.and (local.get $dim) (i32.const -16)) (i32.const 2))))
    (block $done16
      (br_if $done16 (i32.ge_u (local.get $a) (local.get $end)))
      (loop $by16
        (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (v128.load (local.get $a)) (v128.load (local.get $b)))))
        (local.set $acc1 (f32x4.add (local.get $acc1)
                                    (f32x4.mul (v128.load offset=16 (local.get $a)) (v128.load offset=16 (local.get $b)))))
        (local.set $acc2 (f32x4.add (local.get $acc2)
                                    (f32x4.mul (v128.load offset=32 (local.get $a)) (v128.load offset=32 (local.get $b)))))
        (local.set $acc3 (f32x4.add (local.get $acc3)
                                    (f32x4.mul (v128.load offset=48 (local.get $a)) (v128.load offset=48 (local.get $b)))))
        (local.set $a (i32.add (local.get $a) (i32.const 64)))
        (local.set $b (i32.add (local.get $b) (i32.const 64)))
        (br_if $by16 (i32.lt_u (local.get $a) (local.get $end)))))
    (local.set $end (i32.add (local.get $a) (i32.shl (i32.and (local.get $dim) (i32.const 12)) (i32.const 2))))
    (block $done4
      (br_if $done4 (i32.ge_u (local.get $a) (local.get $end)))
      (loop $by4
        (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (v128.load (local.get $a)) (v128.load (local.get $b)))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (br_if $by4 (i32.lt_u (local.get $a) (local.get $end)))))
    (local.set $acc0 (f32x4.add (f32x4.add (local.get $acc0) (local.get $acc1))
                                (f32x4.add (local.get $acc2) (local.get $acc3))))
    (local.set $sum (f32.add (f32.add (f32x4.extract_lane 0 (local.get $acc0)) (f32x4.extract_lane 1 (local.get $acc0)))
                             (f32.add (f32x4.extract_lane 2 (local.get $acc0)) (f32x4.extract_lane 3 (local.get $acc0)))))
    (local.set $end (i32.add (local.get $a) (i32.shl (i32.and (local.get $dim) (i32.const 3)) (i32.const 2))))
    (block $done1
      (br_if $done1 (i32.ge_u (local.get $a) (local.get $end)))
      (loop $by1
        (local.set $sum (f32.add (local.get $sum) (f32.mul (f32.load (local.get $a)) (f32.load (local.get $b)))))
        (local.set $a (i32.add (local.get $a) (i32.const 4)))
        (local.set $b (i32.add (local.get $b) (i32.const 4)))
        (br_if $by1 (i32.lt_u (local.get $a) (local.get $end)))))
    (local.get $sum))

  (func (export "l2") (param $a i32) (param $b i32) (param $dim i32) (result f32)
    (call $l2 (local.get $a) (local.get $b) (local.get $dim)))

  (func (export "ip") (param $a i32) (param $b i32) (param $dim i32) (result f32)
    (call $ip (local.get $a) (local.get $b) (local.get $dim)))

  ;; l2 of $a against $b and $c at once, stored as two float32 at $out: the query block is loaded
  ;; once for both, and the two independent chains let the CPU fetch both vectors in parallel. Each
  ;; sum runs in exactly the order of $l2, so the results are bit-identical to it.
  (func $l2Pair (param $a i32) (param $b i32) (param $c i32) (param $dim i32) (param $out i32)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (local $q0 v128) (local $q1 v128) (local $q2 v128) (local $q3 v128)
    (local $d v128) (local $end i32) (local $sb f32) (local $sc f32) (local $x f32) (local $y f32)
    (local.set $end (i32.add (local.get $a) (i32.shl (i32.and (local.get $dim) (i32.const -16)) (i32.const 2))))
    (block $done16
      (br_if $done16 (i32.ge_u (local.get $a) (local.get $end)))
      (loop $by16
        (local.set $q0 (v128.load (local.get $a)))
        (local.set $q1 (v128.load offset=16 (local.get $a)))
        (local.set $q2 (v128.load offset=32 (local.get $a)))
        (local.set $q3 (v128.load offset=48 (local.get $a)))
        (local.set $d (f32x4.sub (local.get $q0) (v128.load (local.get $b))))
        (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $d (f32x4.sub (local.get $q0) (v128.load (local.get $c))))
        (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $d (f32x4.sub (local.get $q1) (v128.load offset=16 (local.get $b))))
        (local.set $b1 (f32x4.add (local.get $b1) (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $d (f32x4.sub (local.get $q1) (v128.load offset=16 (local.get $c))))
        (local.set $c1 (f32x4.add (local.get $c1) (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $d (f32x4.sub (local.get $q2) (v128.load offset=32 (local.get $b))))
        (local.set $b2 (f32x4.add (local.get $b2) (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $d (f32x4.sub (local.get $q2) (v128.load offset=32 (local.get $c))))
        (local.set $c2 (f32x4.add (local.get $c2) (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $d (f32x4.sub (local.get $q3) (v128.load offset=48 (local.get $b))))
        (local.set $b3 (f32x4.add (local.get $b3) (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $d (f32x4.sub (local.get $q3) (v128.load offset=48 (local.get $c))))
        (local.set $c3 (f32x4.add (local.get $c3) (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $a (i32.add (local.get $a) (i32.const 64)))
        (local.set $b (i32.add (local.get $b) (i32.const 64)))
        (local.set $c (i32.add (local.get $c) (i32.const 64)))
        (br_if $by16 (i32.lt_u (local.get $a) (local.get $end)))))
    (local.set $end (i32.add (local.get $a) (i32.shl (i32.and (local.get $dim) (i32.const 12)) (i32.const 2))))
    (block $done4
      (br_if $done4 (i32.ge_u (local.get $a) (local.get $end)))
      (loop $by4
        (local.set $q0 (v128.load (local.get $a)))
        (local.set $d (f32x4.sub (local.get $q0) (v128.load (local.get $b))))
        (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $d (f32x4.sub (local.get $q0) (v128.load (local.get $c))))
        (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (local.set $c (i32.add (local.get $c) (i32.const 16)))
        (br_if $by4 (i32.lt_u (local.get $a) (local.get $end)))))
    (local.set $b0 (f32x4.add (f32x4.add (local.get $b0) (local.get $b1))
                                (f32x4.add (local.get $b2) (local.get $b3))))
    (local.set $sb (f32.add (f32.add (f32x4.extract_lane 0 (local.get $b0)) (f32x4.extract_lane 1 (local.get $b0)))
                             (f32.add (f32x4.extract_lane 2 (local.get $b0)) (f32x4.extract_lane 3 (local.get $b0)))))
    (local.set $c0 (f32x4.add (f32x4.add (local.get $c0) (local.get $c1))
                                (f32x4.add (local.get $c2) (local.get $c3))))
    (local.set $sc (f32.add (f32.add (f32x4.extract_lane 0 (local.get $c0)) (f32x4.extract_lane 1 (local.get $c0)))
                             (f32.add (f32x4.extract_lane 2 (local.get $c0)) (f32x4.extract_lane 3 (local.get $c0)))))
    (local.set $end (i32.add (local.get $a) (i32.shl (i32.and (local.get $dim) (i32.const 3)) (i32.const 2))))
    (block $done1
      (br_if $done1 (i32.ge_u (local.get $a) (local.get $end)))
      (loop $by1
        (local.set $x (f32.load (local.get $a)))
        (local.set $y (f32.sub (local.get $x) (f32.load (local.get $b))))
        (local.set $sb (f32.add (local.get $sb) (f32.mul (local.get $y) (local.get $y))))
        (local.set $y (f32.sub (local.get $x) (f32.load (local.get $c))))
        (local.set $sc (f32.add (local.get $sc) (f32.mul (local.get $y) (local.get $y))))
        (local.set $a (i32.add (local.get $a) (i32.const 4)))
        (local.set $b (i32.add (local.get $b) (i32.const 4)))
        (local.set $c (i32.add (local.get $c) (i32.const 4)))
        (br_if $by1 (i32.lt_u (local.get $a) (local.get $end)))))
    (f32.store (local.get $out) (local.get $sb))
    (f32.store offset=4 (local.get $out) (local.get $sc)))

  ;; ip of $a against $b and $c at once, stored as two float32 at $out: the query block is loaded
  ;; once for both, and the two independent chains let the CPU fetch both vectors in parallel. Each
  ;; sum runs in exactly the order of $ip, so the results are bit-identical to it.
  (func $ipPair (param $a i32) (param $b i32) (param $c i32) (param $dim i32) (param $out i32)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (local $q0 v128) (local $q1 v128) (local $q2 v128) (local $q3 v128)
    (local $d v128) (local $end i32) (local $sb f32) (local $sc f32) (local $x f32) (local $y f32)
    (local.set $end (i32.add (local.get $a) (i32.shl (i32.and (local.get $dim) (i32.const -16)) (i32.const 2))))
    (block $done16
      (br_if $done16 (i32.ge_u (local.get $a) (local.get $end)))
      (loop $by16
        (local.set $q0 (v128.load (local.get $a)))
        (local.set $q1 (v128.load offset=16 (local.get $a)))
        (local.set $q2 (v128.load offset=32 (local.get $a)))
        (local.set $q3 (v128.load offset=48 (local.get $a)))
        (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (local.get $q0) (v128.load (local.get $b)))))
        (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (local.get $q0) (v128.load (local.get $c)))))
        (local.set $b1 (f32x4.add (local.get $b1) (f32x4.mul (local.get $q1) (v128.load offset=16 (local.get $b)))))
        (local.set $c1 (f32x4.add (local.get $c1) (f32x4.mul (local.get $q1) (v128.load offset=16 (local.get $c)))))
        (local.set $b2 (f32x4.add (local.get $b2) (f32x4.mul (local.get $q2) (v128.load offset=32 (local.get $b)))))
        (local.set $c2 (f32x4.add (local.get $c2) (f32x4.mul (local.get $q2) (v128.load offset=32 (local.get $c)))))
        (local.set $b3 (f32x4.add (local.get $b3) (f32x4.mul (local.get $q3) (v128.load offset=48 (local.get $b)))))
        (local.set $c3 (f32x4.add (local.get $c3) (f32x4.mul (local.get $q3) (v128.load offset=48 (local.get $c)))))
        (local.set $a (i32.add (local.get $a) (i32.const 64)))
        (local.set $b (i32.add (local.get $b) (i32.const 64)))
        (local.set $c (i32.add (local.get $c) (i32.const 64)))
        (br_if $by16 (i32.lt_u (local.get $a) (local.get $end)))))
    (local.set $end (i32.add (local.get $a) (i32.shl (i32.and (local.get $dim) (i32.const 12)) (i32.const 2))))
    (block $done4
      (br_if $done4 (i32.ge_u (local.get $a) (local.get $end)))
      (loop $by4
        (local.set $q0 (v128.load (local.get $a)))
        (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (local.get $q0) (v128.load (local.get $b)))))
        (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (local.get $q0) (v128.load (local.get $c)))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (local.set $c (i32.add (local.get $c) (i32.const 16)))
        (br_if $by4 (i32.lt_u (local.get $a) (local.get $end)))))
    (local.set $b0 (f32x4.add (f32x4.add (local.get $b0) (local.get $b1))
                                (f32x4.add (local.get $b2) (local.get $b3))))
    (local.set $sb (f32.add (f32.add (f32x4.extract_lane 0 (local.get $b0)) (f32x4.extract_lane 1 (local.get $b0)))
                             (f32.add (f32x4.extract_lane 2 (local.get $b0)) (f32x4.extract_lane 3 (local.get $b0)))))
    (local.set $c0 (f32x4.add (f32x4.add (local.get $c0) (local.get $c1))
                                (f32x4.add (local.get $c2) (local.get $c3))))
    (local.set $sc (f32.add (f32.add (f32x4.extract_lane 0 (local.get $c0)) (f32x4.extract_lane 1 (local.get $c0)))
                             (f32.add (f32x4.extract_lane 2 (local.get $c0)) (f32x4.extract_lane 3 (local.get $c0)))))
    (local.set $end (i32.add (local.get $a) (i32.shl (i32.and (local.get $dim) (i32.const 3)) (i32.const 2))))
    (block $done1
      (br_if $done1 (i32.ge_u (local.get $a) (local.get $end)))
      (loop $by1
        (local.set $x (f32.load (local.get $a)))
        (local.set $sb (f32.add (local.get $sb) (f32.mul (local.get $x) (f32.load (local.get $b)))))
        (local.set $sc (f32.add (local.get $sc) (f32.mul (local.get $x) (f32.load (local.get $c)))))
        (local.set $a (i32.add (local.get $a) (i32.const 4)))
        (local.set $b (i32.add (local.get $b) (i32.const 4)))
        (local.set $c (i32.add (local.get $c) (i32.const 4)))
        (br_if $by1 (i32.lt_u (local.get $a) (local.get $end)))))
    (f32.store (local.get $out) (local.get $sb))
    (f32.store offset=4 (local.get $out) (local.get $sc)))

  ;; For i in [0, n): out[i] = l2(query, base + slots[i] * stride). $slots points at n uint32 slot
  ;; numbers, $out at n float32 results, $stride is the byte distance between consecutive slots.
  ;; One JS->WASM crossing for a whole candidate list instead of one per candidate; candidates go
  ;; two at a time through $l2Pair (bit-identical to $l2), the odd one last through $l2.
  (func (export "l2Batch")
    (param $query i32) (param $base i32) (param $stride i32) (param $slots i32) (param $n i32)
    (param $out i32) (param $dim i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $slots) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u (local.get $slots) (local.get $end)))
      (loop $each
        (call $l2Pair (local.get $query)
                    (i32.add (local.get $base) (i32.mul (i32.load (local.get $slots)) (local.get $stride)))
                    (i32.add (local.get $base) (i32.mul (i32.load offset=4 (local.get $slots)) (local.get $stride)))
                    (local.get $dim) (local.get $out))
        (local.set $slots (i32.add (local.get $slots) (i32.const 8)))
        (local.set $out (i32.add (local.get $out) (i32.const 8)))
        (br_if $each (i32.lt_u (local.get $slots) (local.get $end)))))
    (if (i32.and (local.get $n) (i32.const 1))
      (then
        (f32.store (local.get $out)
          (call $l2 (local.get $query)
                    (i32.add (local.get $base) (i32.mul (i32.load (local.get $slots)) (local.get $stride)))
                    (local.get $dim))))))

  ;; For i in [0, n): out[i] = ip(query, base + slots[i] * stride). $slots points at n uint32 slot
  ;; numbers, $out at n float32 results, $stride is the byte distance between consecutive slots.
  ;; One JS->WASM crossing for a whole candidate list instead of one per candidate; candidates go
  ;; two at a time through $ipPair (bit-identical to $ip), the odd one last through $ip.
  (func (export "ipBatch")
    (param $query i32) (param $base i32) (param $stride i32) (param $slots i32) (param $n i32)
    (param $out i32) (param $dim i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $slots) (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u (local.get $slots) (local.get $end)))
      (loop $each
        (call $ipPair (local.get $query)
                    (i32.add (local.get $base) (i32.mul (i32.load (local.get $slots)) (local.get $stride)))
                    (i32.add (local.get $base) (i32.mul (i32.load offset=4 (local.get $slots)) (local.get $stride)))
                    (local.get $dim) (local.get $out))
        (local.set $slots (i32.add (local.get $slots) (i32.const 8)))
        (local.set $out (i32.add (local.get $out) (i32.const 8)))
        (br_if $each (i32.lt_u (local.get $slots) (local.get $end)))))
    (if (i32.and (local.get $n) (i32.const 1))
      (then
        (f32.store (local.get $out)
          (call $ip (local.get $query)
                    (i32.add (local.get $base) (i32.mul (i32.load (local.get $slots)) (local.get $stride)))
                    (local.get $dim))))))
)
