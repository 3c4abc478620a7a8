;; The revaluation kernel in WebAssembly, on native i64 (methodology §9): the same figures as revalue() in
;; ../kernel.ts, to the unit, with the semantics of ../results.ts. Assembled by wat.ts, loaded by loader.ts.
;;
;; Every figure this kernel writes is exact. What it cannot do exactly it does not approximate: the account is
;; flagged (exact[a] = 1) for the BigInt path (exactAccount.ts), as the float kernel does. It flags:
;; - every account the float kernel's compileBook flags (accountBig), and accounts with more than MAX_ROWS (200)
;;   positions or collateral rows (loader.ts), so that no sum below can leave i64 (each term is below 2^55);
;; - a position unless notional = |q| x mark x K <= 2^53 - 1 (exactly: |q| <= qLimit, set with the price),
;;   |upnl| <= 2^53 - 1 and its MM and IM <= 2^53 - 1;
;; - a collateral row unless |gross| <= 2^53 - 1 and either |q| x price x mul < 2^62, or (an asset priced in a
;;   finer unit: mul = 1, div > 1) both parts of |q| = qh x div + ql times the price are below 2^62. These are
;;   float screens with ample margin: a float product is within a relative 2^-51 of the true one;
;; - an account unless its collateral value, |equity|, |MM|, |IM| and its call are <= 2^53 - 1 (the outputs are
;;   float64 columns).
;; Within these bounds i64 holds every product the kernel forms: units x rate and gross x rate are split by 1e6
;; where they could pass 2^63, and divisions are exact (integer, or a float estimate with exact corrections).
;; So an account it does not flag has exactly the figures of exactAccount, and the flagged set may be smaller than
;; the float kernel's (sums need no 2^53 bound here).
;;
;; Memory layout (offsets and strides set by loader.ts):
;;   header, 128 bytes: i32 at 4 posStart, 8 colStart, 12 accBig, 16 position records, 20 isolated margins,
;;     32 collateral records,
;;     40 instrument rows, 44 tier rows, 48 asset rows, 52 haircut rows, 56..80 outputs collateral, equity, mm,
;;     im, call (f64), status, exact (u8), 84..96 per-position outputs notional, upnl, mm, im (f64),
;;     100 withPositions, 104 callOnInitial, 108 haircut rows per asset; i64 at 112 liquidationHealth (ppm),
;;     120 amount step
;;   position records (account-major, as posStart), 24 bytes: 0 quantity, 8 entry value, 16 instrument index
;;     (i32, bit 31 set for an isolated position); isolated margins (i64, indexed like the records, read only for
;;     isolated positions) at header offset 20
;;   collateral records (account-major, as colStart), 16 bytes: 0 quantity, 8 asset index (i32)
;;   instrument rows, 128 bytes, the first three written with each price: 0 mark, 8 qLimit (-1: every position
;;     flagged), 16 mark x K; then 24 fastUnits = min(units at which tier 2 starts, 2^43), tier 1's MM terms
;;     32 a, 40 999999 - cumR, 48 cumQ, 56 b, the same for IM at 64..88, 96 first and 100 last tier row (i32)
;;     (units = |q| x mark; K x rate = a x 1e6 + b; MM = units x a + ceil((units x b - cumR) / 1e6) - cumQ)
;;   tier rows, 80 bytes: 0 floorUnits, 8 mA, 16 mB, 24 mCumQ, 32 mCumR, 40 iA, 48 iB, 56 iCumQ, 64 iCumR
;;   asset rows, 64 bytes: 0 price x mul, 8 big (i32, written with the price), 16 div, 24 first haircut row (i32),
;;     32 price x mul (f64, for the range screen), 40 1 / div (f64)
;;   haircut rows, 32 bytes, the same number per asset (padding rows have floor = i64 max): 0 floor, 8 rate,
;;     16 cumQ, 24 999999 - cumR
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; ceil((n x r - sub) / 1e6) for 0 <= n <= 2^53, 0 <= r < 2^21, 0 <= sub < 1e6, exactly: with n = nh x 1e6 + nl
  ;; it is nh x r + ceil((nl x r - sub) / 1e6), and every product is below 2^63.
  (func $mulRateCeil (param $n i64) (param $r i64) (param $sub i64) (result i64) (local $nh i64)
    (local.set $nh (i64.div_u (local.get $n) (i64.const 1000000)))
    (i64.add
      (i64.mul (local.get $nh) (local.get $r))
      (i64.div_u
        (i64.add
          (i64.sub
            (i64.mul (i64.sub (local.get $n) (i64.mul (local.get $nh) (i64.const 1000000))) (local.get $r))
            (local.get $sub))
          (i64.const 999999))
        (i64.const 1000000))))

  ;; Status code of one margin unit (results.ts): 4 bankrupt, 3 liquidation, 2 call, 1 warning, 0 healthy.
  ;; e x 1e6 < lh x m is decided as e < ceil(lh x m / 1e6), the same test for integers.
  ;; |e| < 2^55, m, i <= 2^53, 0 <= lh < 2^21.
  (func $unitStatus (param $e i64) (param $m i64) (param $i i64) (param $lh i64) (result i32)
    (select (i32.const 4)
      (select (i32.const 3)
        (select (i32.const 2) (i64.lt_s (local.get $e) (local.get $i)) (i64.lt_s (local.get $e) (local.get $m)))
        (i32.and
          (i64.gt_s (local.get $m) (i64.const 0))
          (i64.lt_s (local.get $e)
            (call $mulRateCeil (select (local.get $m) (i64.const 0) (i64.gt_s (local.get $m) (i64.const 0)))
              (local.get $lh) (i64.const 0)))))
      (i64.lt_s (local.get $e) (i64.const 0))))

  ;; Revalues accounts [from, to) into the output columns. $h points at the header.
  (func $revalue (export "revalue") (param $h i32) (param $from i32) (param $to i32)
    (local $posStart i32) (local $colStart i32) (local $accBig i32) (local $pRec i32) (local $cRec i32)
    (local $instTab i32) (local $assetTab i32) (local $hairTab i32) (local $hb i32)
    (local $a i32) (local $rec i32) (local $end i32) (local $it i32) (local $as i32) (local $row i32) (local $t i32)
    (local $tLast i32) (local $word i32) (local $st i32) (local $worst i32) (local $o8 i32)
    (local $q i64) (local $aq i64) (local $units i64) (local $upnl i64) (local $pm i64)
    (local $pi i64) (local $gross i64) (local $colSum i64) (local $equity i64) (local $mm i64) (local $im i64)
    (local $need i64) (local $e i64) (local $x i64) (local $d i64) (local $b i64) (local $call i64) (local $qh i64)
    (local $ql i64) (local $lq i64)
    (local.set $posStart (i32.load offset=4 (local.get $h)))
    (local.set $colStart (i32.load offset=8 (local.get $h)))
    (local.set $accBig (i32.load offset=12 (local.get $h)))
    (local.set $pRec (i32.load offset=16 (local.get $h)))
    (local.set $cRec (i32.load offset=32 (local.get $h)))
    (local.set $instTab (i32.load offset=40 (local.get $h)))
    (local.set $assetTab (i32.load offset=48 (local.get $h)))
    (local.set $hairTab (i32.load offset=52 (local.get $h)))
    (local.set $hb (i32.load offset=108 (local.get $h)))

    (local.set $a (local.get $from))
    (block $done
      (loop $acct
        (br_if $done (i32.ge_u (local.get $a) (local.get $to)))
        (block $next
          (block $flag
            (br_if $flag (i32.load8_u (i32.add (local.get $accBig) (local.get $a))))

            ;; Collateral rows: value = gross - haircut (a debit, gross <= 0, takes no haircut).
            (local.set $colSum (i64.const 0))
            (local.set $rec
              (i32.add (local.get $cRec)
                (i32.shl (i32.load (i32.add (local.get $colStart) (i32.shl (local.get $a) (i32.const 2)))) (i32.const 4))))
            (local.set $end
              (i32.add (local.get $cRec)
                (i32.shl (i32.load offset=4 (i32.add (local.get $colStart) (i32.shl (local.get $a) (i32.const 2))))
                  (i32.const 4))))
            (block $colDone
              (loop $col
                (br_if $colDone (i32.ge_u (local.get $rec) (local.get $end)))
                (local.set $as
                  (i32.add (local.get $assetTab) (i32.shl (i32.load offset=8 (local.get $rec)) (i32.const 6))))
                (br_if $flag (i32.load offset=8 (local.get $as)))
                (local.set $q (i64.load (local.get $rec)))
                (local.set $d (i64.load offset=16 (local.get $as)))
                (if (f64.lt
                      (f64.mul (f64.abs (f64.convert_i64_s (local.get $q))) (f64.load offset=32 (local.get $as)))
                      (f64.const 4611686018427387904))
                  (then
                    ;; |q| x price x mul < 2^62 (float screen), so the product x is exact in i64. gross =
                    ;; floor(x / div) from a float estimate (within a few units) and exact integer corrections.
                    (local.set $x (i64.mul (local.get $q) (i64.load (local.get $as))))
                    (local.set $gross
                      (i64.trunc_f64_s
                        (f64.floor (f64.mul (f64.convert_i64_s (local.get $x)) (f64.load offset=40 (local.get $as))))))
                    (block $lo
                      (loop $down
                        (br_if $lo (i64.le_s (i64.mul (local.get $gross) (local.get $d)) (local.get $x)))
                        (local.set $gross (i64.sub (local.get $gross) (i64.const 1)))
                        (br $down)))
                    (block $hi
                      (loop $up
                        (br_if $hi
                          (i64.gt_s (i64.mul (i64.add (local.get $gross) (i64.const 1)) (local.get $d)) (local.get $x)))
                        (local.set $gross (i64.add (local.get $gross) (i64.const 1)))
                        (br $up))))
                  (else
                    ;; A large holding priced in a finer unit (mul = 1): |q| = qh x div + ql, and
                    ;; floor(|q| x P / div) = qh x P + floor(ql x P / div), each product screened below 2^62.
                    (br_if $flag (i64.eq (local.get $d) (i64.const 1)))
                    (local.set $aq
                      (select (i64.sub (i64.const 0) (local.get $q)) (local.get $q) (i64.lt_s (local.get $q) (i64.const 0))))
                    (local.set $qh (i64.div_u (local.get $aq) (local.get $d)))
                    (local.set $ql (i64.sub (local.get $aq) (i64.mul (local.get $qh) (local.get $d))))
                    (br_if $flag
                      (i32.eqz
                        (f64.lt (f64.mul (f64.convert_i64_s (local.get $qh)) (f64.load offset=32 (local.get $as)))
                          (f64.const 4611686018427387904))))
                    (br_if $flag
                      (i32.eqz
                        (f64.lt (f64.mul (f64.convert_i64_s (local.get $ql)) (f64.load offset=32 (local.get $as)))
                          (f64.const 4611686018427387904))))
                    (local.set $x (i64.mul (local.get $ql) (i64.load (local.get $as))))
                    (local.set $lq (i64.div_u (local.get $x) (local.get $d)))
                    (local.set $gross (i64.add (i64.mul (local.get $qh) (i64.load (local.get $as))) (local.get $lq)))
                    (if (i64.lt_s (local.get $q) (i64.const 0))
                      (then
                        ;; floor(-y) = -ceil(y)
                        (local.set $gross
                          (i64.sub (i64.const 0)
                            (i64.add (local.get $gross)
                              (i64.extend_i32_u
                                (i64.ne (i64.mul (local.get $lq) (local.get $d)) (local.get $x))))))))))
                ;; |gross| <= 2^53 - 1
                (br_if $flag
                  (i64.gt_u (i64.add (local.get $gross) (i64.const 9007199254740991)) (i64.const 18014398509481982)))
                (if (i64.gt_s (local.get $gross) (i64.const 0))
                  (then
                    ;; The haircut bracket: the last whose floor <= gross, counted without branches over the
                    ;; asset's rows (every asset has $hb of them, padded with floors at i64 max).
                    (local.set $row (i32.load offset=24 (local.get $as)))
                    (local.set $st (local.get $row))
                    (local.set $t (i32.const 1))
                    (block $found
                      (loop $scan
                        (br_if $found (i32.ge_u (local.get $t) (local.get $hb)))
                        (local.set $st
                          (i32.add (local.get $st)
                            (i64.ge_s (local.get $gross)
                              (i64.load
                                (i32.add (local.get $hairTab)
                                  (i32.shl (i32.add (local.get $row) (local.get $t)) (i32.const 5)))))))
                        (local.set $t (i32.add (local.get $t) (i32.const 1)))
                        (br $scan)))
                    (local.set $row (i32.add (local.get $hairTab) (i32.shl (local.get $st) (i32.const 5))))
                    ;; haircut = ceil((gross x h - cumR) / 1e6) - cumQ; with gross = gh x 1e6 + gl that is
                    ;; gh x h + floor((gl x h + 999999 - cumR) / 1e6) - cumQ (h < 2^21, so every product < 2^63).
                    (local.set $x (i64.div_u (local.get $gross) (i64.const 1000000)))
                    (local.set $b (i64.load offset=8 (local.get $row)))
                    (local.set $gross
                      (i64.sub (local.get $gross)
                        (i64.sub
                          (i64.add
                            (i64.mul (local.get $x) (local.get $b))
                            (i64.div_u
                              (i64.add
                                (i64.mul (i64.sub (local.get $gross) (i64.mul (local.get $x) (i64.const 1000000)))
                                  (local.get $b))
                                (i64.load offset=24 (local.get $row)))
                              (i64.const 1000000)))
                          (i64.load offset=16 (local.get $row)))))))
                (local.set $colSum (i64.add (local.get $colSum) (local.get $gross)))
                (local.set $rec (i32.add (local.get $rec) (i32.const 16)))
                (br $col)))

            ;; Positions: cross ones add into the account's sums, isolated ones are units of their own.
            (local.set $equity (local.get $colSum))
            (local.set $mm (i64.const 0))
            (local.set $im (i64.const 0))
            (local.set $need (i64.const 0))
            (local.set $worst (i32.const 0))
            (local.set $rec
              (i32.add (local.get $pRec)
                (i32.mul (i32.load (i32.add (local.get $posStart) (i32.shl (local.get $a) (i32.const 2)))) (i32.const 24))))
            (local.set $end
              (i32.add (local.get $pRec)
                (i32.mul (i32.load offset=4 (i32.add (local.get $posStart) (i32.shl (local.get $a) (i32.const 2))))
                  (i32.const 24))))
            (block $posDone
              (loop $pos
                (br_if $posDone (i32.ge_u (local.get $rec) (local.get $end)))
                (local.set $word (i32.load offset=16 (local.get $rec)))
                (local.set $it
                  (i32.add (local.get $instTab) (i32.shl (i32.and (local.get $word) (i32.const 0x7fffffff)) (i32.const 7))))
                (local.set $q (i64.load (local.get $rec)))
                (local.set $aq
                  (select (i64.sub (i64.const 0) (local.get $q)) (local.get $q) (i64.lt_s (local.get $q) (i64.const 0))))
                ;; notional <= 2^53 - 1 exactly when |q| <= qLimit (-1 for an instrument off the fast path).
                (br_if $flag (i64.gt_s (local.get $aq) (i64.load offset=8 (local.get $it))))
                (local.set $units (i64.mul (local.get $aq) (i64.load (local.get $it))))
                ;; upnl = q x (mark x K) - entry; mark x K: qLimit >= 1 means it is <= 2^53 - 1, and with qLimit 0
                ;; only q = 0 gets here.
                (local.set $upnl
                  (i64.sub (i64.mul (local.get $q) (i64.load offset=16 (local.get $it))) (i64.load offset=8 (local.get $rec))))
                (br_if $flag
                  (i64.gt_u (i64.add (local.get $upnl) (i64.const 9007199254740991)) (i64.const 18014398509481982)))
                (if (i64.lt_s (local.get $units) (i64.load offset=24 (local.get $it)))
                  (then
                    ;; Tier 1 and units < 2^43 (so units x b < 2^63), the common case, without a branch:
                    ;; MM = units x a + floor((units x b + 999999 - cumR) / 1e6) - cumQ (b = 0 gives 0 there).
                    (local.set $pm
                      (i64.sub
                        (i64.add
                          (i64.mul (local.get $units) (i64.load offset=32 (local.get $it)))
                          (i64.div_u
                            (i64.add (i64.mul (local.get $units) (i64.load offset=56 (local.get $it)))
                              (i64.load offset=40 (local.get $it)))
                            (i64.const 1000000)))
                        (i64.load offset=48 (local.get $it))))
                    (local.set $pi
                      (i64.sub
                        (i64.add
                          (i64.mul (local.get $units) (i64.load offset=64 (local.get $it)))
                          (i64.div_u
                            (i64.add (i64.mul (local.get $units) (i64.load offset=88 (local.get $it)))
                              (i64.load offset=72 (local.get $it)))
                            (i64.const 1000000)))
                        (i64.load offset=80 (local.get $it)))))
                  (else
                    ;; Any tier: the last whose floor (in units) <= units.
                    (local.set $t (i32.load offset=96 (local.get $it)))
                    (local.set $tLast (i32.load offset=100 (local.get $it)))
                    (local.set $row (i32.load offset=44 (local.get $h)))
                    (block $found
                      (loop $scan
                        (br_if $found (i32.ge_s (local.get $t) (local.get $tLast)))
                        (br_if $found
                          (i64.lt_s (local.get $units)
                            (i64.load offset=80 (i32.add (local.get $row) (i32.mul (local.get $t) (i32.const 80))))))
                        (local.set $t (i32.add (local.get $t) (i32.const 1)))
                        (br $scan)))
                    (local.set $row (i32.add (local.get $row) (i32.mul (local.get $t) (i32.const 80))))
                    (local.set $pm
                      (i64.sub
                        (i64.add (i64.mul (local.get $units) (i64.load offset=8 (local.get $row)))
                          (call $mulRateCeil (local.get $units) (i64.load offset=16 (local.get $row))
                            (i64.load offset=32 (local.get $row))))
                        (i64.load offset=24 (local.get $row))))
                    (local.set $pi
                      (i64.sub
                        (i64.add (i64.mul (local.get $units) (i64.load offset=40 (local.get $row)))
                          (call $mulRateCeil (local.get $units) (i64.load offset=48 (local.get $row))
                            (i64.load offset=64 (local.get $row))))
                        (i64.load offset=56 (local.get $row))))))
                (br_if $flag (i64.gt_s (local.get $pm) (i64.const 9007199254740991)))
                (br_if $flag (i64.gt_s (local.get $pi) (i64.const 9007199254740991)))
                (if (i32.load offset=100 (local.get $h))
                  (then
                    ;; Per-position outputs, indexed like posStart.
                    (local.set $o8 (i32.div_u (i32.sub (local.get $rec) (local.get $pRec)) (i32.const 3)))
                    (f64.store (i32.add (i32.load offset=84 (local.get $h)) (local.get $o8))
                      (f64.convert_i64_s (i64.mul (local.get $aq) (i64.load offset=16 (local.get $it)))))
                    (f64.store (i32.add (i32.load offset=88 (local.get $h)) (local.get $o8))
                      (f64.convert_i64_s (local.get $upnl)))
                    (f64.store (i32.add (i32.load offset=92 (local.get $h)) (local.get $o8))
                      (f64.convert_i64_s (local.get $pm)))
                    (f64.store (i32.add (i32.load offset=96 (local.get $h)) (local.get $o8))
                      (f64.convert_i64_s (local.get $pi)))))
                (if (i32.lt_s (local.get $word) (i32.const 0))
                  (then
                    ;; An isolated position: equity = isolated margin + upnl, its own status and call.
                    (local.set $e
                      (i64.add
                        (i64.load
                          (i32.add (i32.load offset=20 (local.get $h))
                            (i32.div_u (i32.sub (local.get $rec) (local.get $pRec)) (i32.const 3))))
                        (local.get $upnl)))
                    (local.set $st
                      (call $unitStatus (local.get $e) (local.get $pm) (local.get $pi) (i64.load offset=112 (local.get $h))))
                    (local.set $worst (select (local.get $st) (local.get $worst) (i32.gt_u (local.get $st) (local.get $worst))))
                    (if (i64.lt_s (local.get $e)
                          (select (local.get $pi) (local.get $pm) (i32.load offset=104 (local.get $h))))
                      (then (local.set $need (i64.add (local.get $need) (i64.sub (local.get $pi) (local.get $e)))))))
                  (else
                    (local.set $equity (i64.add (local.get $equity) (local.get $upnl)))
                    (local.set $mm (i64.add (local.get $mm) (local.get $pm)))
                    (local.set $im (i64.add (local.get $im) (local.get $pi)))))
                (local.set $rec (i32.add (local.get $rec) (i32.const 24)))
                (br $pos)))

            ;; The account: range, status (the worst over its units), call rounded up to the amount step.
            (br_if $flag
              (i64.gt_u (i64.add (local.get $colSum) (i64.const 9007199254740991)) (i64.const 18014398509481982)))
            (br_if $flag
              (i64.gt_u (i64.add (local.get $equity) (i64.const 9007199254740991)) (i64.const 18014398509481982)))
            (br_if $flag
              (i64.gt_u (i64.add (local.get $mm) (i64.const 9007199254740991)) (i64.const 18014398509481982)))
            (br_if $flag
              (i64.gt_u (i64.add (local.get $im) (i64.const 9007199254740991)) (i64.const 18014398509481982)))
            (local.set $st
              (call $unitStatus (local.get $equity) (local.get $mm) (local.get $im) (i64.load offset=112 (local.get $h))))
            (local.set $worst (select (local.get $st) (local.get $worst) (i32.gt_u (local.get $st) (local.get $worst))))
            (if (i64.lt_s (local.get $equity)
                  (select (local.get $im) (local.get $mm) (i32.load offset=104 (local.get $h))))
              (then (local.set $need (i64.add (local.get $need) (i64.sub (local.get $im) (local.get $equity))))))
            (local.set $call (i64.const -1))
            (if (i64.gt_s (local.get $need) (i64.const 0))
              (then
                (local.set $b (i64.load offset=120 (local.get $h)))
                (local.set $call
                  (i64.mul
                    (i64.div_u (i64.add (local.get $need) (i64.sub (local.get $b) (i64.const 1))) (local.get $b))
                    (local.get $b)))
                (br_if $flag (i64.gt_s (local.get $call) (i64.const 9007199254740991)))))
            (local.set $o8 (i32.shl (local.get $a) (i32.const 3)))
            (f64.store (i32.add (i32.load offset=56 (local.get $h)) (local.get $o8)) (f64.convert_i64_s (local.get $colSum)))
            (f64.store (i32.add (i32.load offset=60 (local.get $h)) (local.get $o8)) (f64.convert_i64_s (local.get $equity)))
            (f64.store (i32.add (i32.load offset=64 (local.get $h)) (local.get $o8)) (f64.convert_i64_s (local.get $mm)))
            (f64.store (i32.add (i32.load offset=68 (local.get $h)) (local.get $o8)) (f64.convert_i64_s (local.get $im)))
            (f64.store (i32.add (i32.load offset=72 (local.get $h)) (local.get $o8)) (f64.convert_i64_s (local.get $call)))
            (i32.store8 (i32.add (i32.load offset=76 (local.get $h)) (local.get $a)) (local.get $worst))
            (i32.store8 (i32.add (i32.load offset=80 (local.get $h)) (local.get $a)) (i32.const 0))
            (br $next))
          ;; Flagged: the BigInt path computes this account.
          (i32.store8 (i32.add (i32.load offset=80 (local.get $h)) (local.get $a)) (i32.const 1)))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (br $acct))))
)
