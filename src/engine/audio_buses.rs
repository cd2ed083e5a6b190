//! The AudioBuses: hardware inputs, hardware outputs and internal buses.
//!
//! Context: RT: every function here runs on the audio thread, except `AudioBuses::new`
//! (NRT, when the engine is built).

use super::{BusMapping, BusSpace};

/// The engine's AudioBuses: hardware inputs, hardware outputs and internal buses, one
/// block of samples each, with the block number each was last written in.
///
/// Context: RT after construction. Semantics (Methcla's): in each block the first writer
/// of a bus assigns, later writers add, a `replace` writer overwrites; a reader of a bus
/// nobody wrote this block gets zeros unless it maps with `feedback` (then it gets the
/// bus's last contents). Hardware inputs are written by the driver every block.
pub struct AudioBuses {
    block_size: usize,
    /// How many hardware inputs there are (kept, so that finding a bus divides nothing).
    inputs: usize,
    /// How sums into a bus are computed on this CPU.
    mix: MixWidth,
    block: u64,
    internal: Box<[f32]>,
    internal_written: Box<[u64]>,
    external_in: Box<[f32]>,
    external_out: Box<[f32]>,
    external_out_written: Box<[u64]>,
}

impl AudioBuses {
    /// Context: NRT.
    pub fn new(block_size: usize, inputs: usize, outputs: usize, internal: usize) -> Self {
        AudioBuses {
            block_size,
            inputs,
            mix: MixWidth::detect(),
            block: 1,
            internal: vec![0.0; internal * block_size].into_boxed_slice(),
            internal_written: vec![0; internal].into_boxed_slice(),
            external_in: vec![0.0; inputs * block_size].into_boxed_slice(),
            external_out: vec![0.0; outputs * block_size].into_boxed_slice(),
            external_out_written: vec![0; outputs].into_boxed_slice(),
        }
    }

    /// How many buses `space` has for a mapping of the given direction.
    pub fn count(&self, space: BusSpace, output: bool) -> usize {
        match (space, output) {
            (BusSpace::Internal, _) => self.internal_written.len(),
            (BusSpace::External, false) => self.inputs,
            (BusSpace::External, true) => self.external_out_written.len(),
        }
    }

    /// Hardware output channels.
    pub fn hardware_outputs(&self) -> usize {
        self.external_out_written.len()
    }

    /// Hardware input channels.
    pub fn hardware_inputs(&self) -> usize {
        self.inputs
    }

    /// Internal buses.
    pub fn internal_buses(&self) -> usize {
        self.internal_written.len()
    }

    /// Reads hardware output `bus` (what Synths wrote to it so far this block; zeros if
    /// nobody did, unless `feedback`) into `dst` from frame `offset`. Context: RT.
    pub fn read_output(&self, bus: u32, offset: usize, dst: &mut [f32], feedback: bool) {
        let b = self.block_size;
        let bus = bus as usize;
        let written = self.external_out_written.get(bus).copied();
        let src = if written == Some(self.block) || (feedback && written.is_some()) {
            self.external_out.get(bus * b + offset..bus * b + offset + dst.len())
        } else {
            None
        };
        match src {
            Some(src) => dst.copy_from_slice(src),
            None => dst.fill(0.0),
        }
    }

    /// Writes into hardware input `bus` from frame `offset`, for the Synths after this one
    /// to read: the driver wrote it this block, so a write adds (or, with `replace`,
    /// overwrites). Context: RT.
    pub fn write_input(&mut self, bus: u32, offset: usize, src: &[f32], replace: bool) {
        let b = self.block_size;
        let start = bus as usize * b + offset;
        let Some(dst) = self.external_in.get_mut(start..(start + src.len()).min((bus as usize + 1) * b)) else {
            return;
        };
        for (d, s) in dst.iter_mut().zip(src) {
            *d = if replace { *s } else { *d + *s };
        }
    }

    /// Starts a new block: nothing has been written yet. Context: RT.
    pub fn begin_block(&mut self) {
        self.block += 1;
    }

    /// Zeroes every hardware output nobody wrote this block, and every sample of the
    /// others that is NaN or infinite, so that neither reaches the device; returns how many
    /// of those there were. Context: RT.
    pub fn end_block(&mut self) -> u64 {
        let block = self.block;
        let mut nonfinite = 0;
        for (channel, written) in
            self.external_out.chunks_exact_mut(self.block_size).zip(self.external_out_written.iter())
        {
            if *written != block {
                channel.fill(0.0);
            } else if channel.iter().any(|x| !x.is_finite()) {
                for x in channel.iter_mut().filter(|x| !x.is_finite()) {
                    *x = 0.0;
                    nonfinite += 1;
                }
            }
        }
        nonfinite
    }

    /// Hardware input channels, planar (`inputs × block_size`), for the driver to fill
    /// before each block. Context: RT.
    pub fn external_inputs_mut(&mut self) -> &mut [f32] {
        &mut self.external_in
    }

    /// Hardware output channels, planar (`outputs × block_size`), valid after
    /// [`end_block`](Self::end_block). Context: RT.
    pub fn external_outputs(&self) -> &[f32] {
        &self.external_out
    }

    /// Reads a bus into `dst` (`frames` long) from frame `offset`. Context: RT.
    pub fn read(&self, mapping: BusMapping, offset: usize, dst: &mut [f32]) {
        let b = self.block_size;
        let range = mapping.bus as usize * b + offset..mapping.bus as usize * b + offset + dst.len();
        let src = match mapping.space {
            BusSpace::External => self.external_in.get(range),
            BusSpace::Internal => {
                let written = self.internal_written.get(mapping.bus as usize).copied();
                if written == Some(self.block) || mapping.feedback {
                    self.internal.get(range)
                } else {
                    None
                }
            }
        };
        match src {
            Some(src) => dst.copy_from_slice(src),
            None => dst.fill(0.0),
        }
    }

    /// Frames `offset..offset + frames` of a bus, for a Synth to add into: what it adds
    /// there is the same as [`write`](Self::write) of it (a bus nobody wrote this block
    /// is zeroed first, and counts as written). `None` if the bus or the frames are out of
    /// range. Context: RT.
    pub fn sum_target(&mut self, mapping: BusMapping, offset: usize, frames: usize) -> Option<&mut [f32]> {
        let b = self.block_size;
        let (data, written) = match mapping.space {
            BusSpace::Internal => (&mut self.internal, &mut self.internal_written),
            BusSpace::External => (&mut self.external_out, &mut self.external_out_written),
        };
        let bus = mapping.bus as usize;
        let stamp = written.get_mut(bus)?;
        let channel = data.get_mut(bus * b..(bus + 1) * b)?;
        let end = offset.checked_add(frames).filter(|&end| end <= b)?;
        if *stamp != self.block {
            channel.fill(0.0);
            *stamp = self.block;
        }
        Some(&mut channel[offset..end])
    }

    /// Writes `src` to a bus from frame `offset`. Context: RT.
    pub fn write(&mut self, mapping: BusMapping, offset: usize, src: &[f32]) {
        let b = self.block_size;
        let (data, written) = match mapping.space {
            BusSpace::Internal => (&mut self.internal, &mut self.internal_written),
            BusSpace::External => (&mut self.external_out, &mut self.external_out_written),
        };
        let bus = mapping.bus as usize;
        let (Some(stamp), Some(channel)) = (written.get_mut(bus), data.get_mut(bus * b..(bus + 1) * b)) else {
            return;
        };
        let end = (offset + src.len()).min(b);
        let Some(dst) = channel.get_mut(offset..end) else { return };
        if *stamp != self.block {
            dst.copy_from_slice(&src[..end - offset]);
            channel[..offset].fill(0.0);
            channel[end..].fill(0.0);
            *stamp = self.block;
        } else if mapping.replace {
            dst.copy_from_slice(&src[..end - offset]);
        } else {
            self.mix.mix_into(dst, &src[..end - offset]);
        }
    }
}

/// Adds `src` into `dst` (as long as each other), as a write into a bus adds: the sums a
/// graph Synth makes into the buses it was given ([`oscine_plugin_api::Buses::sum_into_audio`]).
/// Context: RT.
pub(crate) fn mix_into(dst: &mut [f32], src: &[f32]) {
    MixWidth::detect().mix_into(dst, src);
}

/// The widest vector code for sums into a bus that this CPU runs, found once, when the
/// buses are made. Adding is exact whatever the vector width, so the sums are the same to
/// the bit on every path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MixWidth {
    Baseline,
    Avx,
    Avx512,
}

impl MixWidth {
    /// Context: any.
    fn detect() -> MixWidth {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                return MixWidth::Avx512;
            }
            if std::arch::is_x86_feature_detected!("avx") {
                return MixWidth::Avx;
            }
        }
        MixWidth::Baseline
    }

    /// Adds `src` to `dst` (as long as each other): with AVX-512 or AVX 32 frames at a
    /// time in two 16-wide or four 8-wide adds, else eight at a time in SSE2.
    #[inline(always)]
    fn mix_into(self, dst: &mut [f32], src: &[f32]) {
        match self {
            // SAFETY: `detect` found AVX-512 on this CPU.
            #[cfg(target_arch = "x86_64")]
            MixWidth::Avx512 => unsafe { mix_into_avx512(dst, src) },
            // SAFETY: `detect` found AVX on this CPU.
            #[cfg(target_arch = "x86_64")]
            MixWidth::Avx => unsafe { mix_into_avx(dst, src) },
            _ => mix_into_chunks(dst, src),
        }
    }
}

/// [`MixWidth::mix_into`] compiled for AVX-512.
///
/// # Safety
/// The CPU must have AVX-512 (its foundation, `avx512f`).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn mix_into_avx512(dst: &mut [f32], src: &[f32]) {
    mix_into_chunks(dst, src)
}

/// [`MixWidth::mix_into`] compiled for AVX.
///
/// # Safety
/// The CPU must have AVX.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
unsafe fn mix_into_avx(dst: &mut [f32], src: &[f32]) {
    mix_into_chunks(dst, src)
}

/// [`MixWidth::mix_into`] in fixed-length chunks, which compile to vector adds with no per-frame
/// bounds or length checks: 32 frames at a time, then 8, then one.
#[inline(always)]
fn mix_into_chunks(dst: &mut [f32], src: &[f32]) {
    // A whole block of the default size, as most writes are: one unrolled run of adds.
    if let (Ok(dst), Ok(src)) = (<&mut [f32; 64]>::try_from(&mut *dst), <&[f32; 64]>::try_from(src)) {
        for (d, s) in dst.iter_mut().zip(src) {
            *d += *s;
        }
        return;
    }
    let mut d = dst.chunks_exact_mut(32);
    let mut s = src.chunks_exact(32);
    for (d, s) in (&mut d).zip(&mut s) {
        for (d, s) in d.iter_mut().zip(s) {
            *d += *s;
        }
    }
    let mut d = d.into_remainder().chunks_exact_mut(8);
    let mut s = s.remainder().chunks_exact(8);
    for (d, s) in (&mut d).zip(&mut s) {
        for (d, s) in d.iter_mut().zip(s) {
            *d += *s;
        }
    }
    for (d, s) in d.into_remainder().iter_mut().zip(s.remainder()) {
        *d += *s;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buses() -> AudioBuses {
        AudioBuses::new(4, 1, 1, 2)
    }

    #[test]
    fn every_mix_width_this_cpu_has_gives_the_same_sums() {
        let widest = MixWidth::detect();
        let widths = [MixWidth::Baseline, MixWidth::Avx, MixWidth::Avx512];
        let src: Vec<f32> = (0..100).map(|i| (i as f32 * 0.37).sin() * 1e-3).collect();
        for len in [64, 100, 33, 7, 1] {
            let start: Vec<f32> = (0..len).map(|i| (i as f32 * 1.3).cos()).collect();
            let mut want = start.clone();
            mix_into_chunks(&mut want, &src[..len]);
            for &width in widths.iter().take_while(|&&w| w as u8 <= widest as u8) {
                let mut got = start.clone();
                width.mix_into(&mut got, &src[..len]);
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&got), bits(&want), "{width:?}, {len} frames");
            }
        }
    }

    #[test]
    fn first_writer_assigns_later_writers_add_replace_overrides() {
        let mut b = buses();
        b.begin_block();
        let m = BusMapping::internal(0);
        b.write(m, 0, &[1.0; 4]);
        b.write(m, 0, &[2.0; 4]);
        let mut out = [0.0; 4];
        b.read(m, 0, &mut out);
        assert_eq!(out, [3.0; 4]);
        b.write(BusMapping { replace: true, ..m }, 0, &[5.0; 4]);
        b.read(m, 0, &mut out);
        assert_eq!(out, [5.0; 4]);
    }

    #[test]
    fn unwritten_bus_reads_zero_unless_feedback() {
        let mut b = buses();
        b.begin_block();
        b.write(BusMapping::internal(1), 0, &[1.0, 2.0, 3.0, 4.0]);
        b.begin_block();
        let mut out = [9.0; 4];
        b.read(BusMapping::internal(1), 0, &mut out);
        assert_eq!(out, [0.0; 4]);
        b.read(BusMapping { feedback: true, ..BusMapping::internal(1) }, 0, &mut out);
        assert_eq!(out, [1.0, 2.0, 3.0, 4.0]);
        // Stale data does not leak into the first write of a new block.
        b.write(BusMapping::internal(1), 0, &[1.0; 4]);
        b.read(BusMapping::internal(1), 0, &mut out);
        assert_eq!(out, [1.0; 4]);
    }

    #[test]
    fn partial_first_write_zeroes_the_rest_of_the_block() {
        let mut b = buses();
        b.begin_block();
        b.write(BusMapping::internal(0), 0, &[7.0; 4]);
        b.begin_block();
        b.write(BusMapping::internal(0), 2, &[1.0, 1.0]);
        let mut out = [9.0; 4];
        b.read(BusMapping::internal(0), 0, &mut out);
        assert_eq!(out, [0.0, 0.0, 1.0, 1.0]);
    }

    #[test]
    fn hardware_outputs_nobody_wrote_are_silent() {
        let mut b = buses();
        b.begin_block();
        b.write(BusMapping::external(0), 0, &[1.0; 4]);
        b.end_block();
        assert_eq!(b.external_outputs(), &[1.0; 4]);
        b.begin_block();
        b.end_block();
        assert_eq!(b.external_outputs(), &[0.0; 4]);
    }

    #[test]
    fn hardware_inputs_are_always_readable() {
        let mut b = buses();
        b.begin_block();
        b.external_inputs_mut().copy_from_slice(&[0.5; 4]);
        let mut out = [0.0; 4];
        b.read(BusMapping::external(0), 0, &mut out);
        assert_eq!(out, [0.5; 4]);
    }
}
