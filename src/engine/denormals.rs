//! Flushing subnormal floats to zero on the audio thread: a decaying filter or reverb
//! tail reaching subnormal values would otherwise make every operation on them many
//! times slower (on x86-64, a microcode assist per operation), just as its sound fades.
//!
//! Context: RT (the thread that calls `Engine::process_block`); the setting is the
//! calling thread's.

/// Makes the calling thread treat subnormal floats as zero, as inputs and as results
/// (x86-64: MXCSR's DAZ and FTZ bits; AArch64: FPCR's FZ bit). Other targets keep IEEE
/// subnormals. Cheap enough to call every block: a register read, and a write only the
/// first time.
#[inline]
pub fn flush_denormals() {
    #[cfg(target_arch = "x86_64")]
    {
        const DAZ: u32 = 1 << 6;
        const FTZ: u32 = 1 << 15;
        let mut csr: u32 = 0;
        // SAFETY: `stmxcsr` stores the 4-byte MXCSR at the address given, a live `u32`.
        unsafe { std::arch::asm!("stmxcsr [{}]", in(reg) &mut csr, options(nostack, preserves_flags)) };
        if csr & (DAZ | FTZ) != DAZ | FTZ {
            let flushed = csr | DAZ | FTZ;
            // SAFETY: `ldmxcsr` loads MXCSR from a live `u32`; only DAZ and FTZ change,
            // which affect how this thread treats subnormal floats, nothing else.
            unsafe { std::arch::asm!("ldmxcsr [{}]", in(reg) &flushed, options(nostack, preserves_flags, readonly)) };
        }
    }
    #[cfg(target_arch = "aarch64")]
    {
        const FZ: u64 = 1 << 24;
        let fpcr: u64;
        // SAFETY: reading FPCR has no side effects.
        unsafe { std::arch::asm!("mrs {}, fpcr", out(reg) fpcr, options(nomem, nostack, preserves_flags)) };
        if fpcr & FZ == 0 {
            // SAFETY: only FZ changes, which makes this thread flush subnormal floats.
            unsafe { std::arch::asm!("msr fpcr, {}", in(reg) fpcr | FZ, options(nomem, nostack, preserves_flags)) };
        }
    }
}

#[cfg(test)]
mod tests {
    use std::hint::black_box;

    #[test]
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    fn subnormal_results_and_inputs_become_zero_on_the_thread_that_asked() {
        std::thread::spawn(|| {
            // 1e-38 × 1e-3 is subnormal in IEEE arithmetic.
            let tiny = black_box(1e-38f32) * black_box(1e-3f32);
            assert!(tiny != 0.0 && !tiny.is_normal(), "{tiny:e}: a fresh thread keeps subnormals");
            super::flush_denormals();
            assert_eq!(black_box(1e-38f32) * black_box(1e-3f32), 0.0);
            // A subnormal input reads as 0 too (x86-64's DAZ): 2^-140 × 2^100.
            let input = black_box(f32::from_bits(1 << 9));
            let scaled = input * black_box(2f32.powi(100));
            #[cfg(target_arch = "x86_64")]
            assert_eq!(scaled, 0.0);
            let _ = scaled;
        })
        .join()
        .unwrap();
    }
}
