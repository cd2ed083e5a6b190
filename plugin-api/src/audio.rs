/// A Synth's audio input channels for one `process` call.
///
/// Each channel is a slice of exactly `frames` samples. Context: RT.
#[derive(Debug, Clone, Copy)]
pub struct AudioInputs<'a> {
    data: &'a [f32],
    stride: usize,
    offset: usize,
    frames: usize,
    count: usize,
}

impl<'a> AudioInputs<'a> {
    /// Views `count` channels laid out one after another, `stride` samples apart, each
    /// starting at `offset` and `frames` long. Only the host builds these.
    ///
    /// # Panics
    /// If the layout does not fit in `data` (a bug in the host, checked once per call).
    pub(crate) fn new(data: &'a [f32], count: usize, stride: usize, offset: usize, frames: usize) -> Self {
        assert!(count == 0 || (offset + frames <= stride && count * stride <= data.len()));
        AudioInputs { data, stride, offset, frames, count }
    }

    /// The number of channels.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether there are no channels.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Channel `index`, `frames` samples long.
    ///
    /// # Panics
    /// If `index` is not below [`len`](Self::len).
    pub fn channel(&self, index: usize) -> &'a [f32] {
        assert!(index < self.count, "audio input index out of range");
        let start = index * self.stride + self.offset;
        &self.data[start..start + self.frames]
    }
}

/// A Synth's audio output channels for one `process` call.
///
/// Each channel is a slice of exactly `frames` samples. Context: RT.
#[derive(Debug)]
pub struct AudioOutputs<'a> {
    data: &'a mut [f32],
    stride: usize,
    offset: usize,
    frames: usize,
    count: usize,
}

impl<'a> AudioOutputs<'a> {
    /// Views `count` channels laid out one after another, `stride` samples apart, each
    /// starting at `offset` and `frames` long. Only the host builds these.
    ///
    /// # Panics
    /// If the layout does not fit in `data` (a bug in the host).
    pub(crate) fn new(data: &'a mut [f32], count: usize, stride: usize, offset: usize, frames: usize) -> Self {
        assert!(count == 0 || (offset + frames <= stride && count * stride <= data.len()));
        AudioOutputs { data, stride, offset, frames, count }
    }

    /// The number of channels.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether there are no channels.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Channel `index`, `frames` samples long.
    ///
    /// # Panics
    /// If `index` is not below [`len`](Self::len).
    pub fn channel(&mut self, index: usize) -> &mut [f32] {
        assert!(index < self.count, "audio output index out of range");
        let start = index * self.stride + self.offset;
        &mut self.data[start..start + self.frames]
    }

    /// Two distinct channels at once, for Synths that write a pair (a stereo pan).
    ///
    /// # Panics
    /// If either index is out of range or `a == b`.
    pub fn pair(&mut self, a: usize, b: usize) -> (&mut [f32], &mut [f32]) {
        assert!(a < self.count && b < self.count && a != b, "bad output pair");
        let (lo, hi, swap) = if a < b { (a, b, false) } else { (b, a, true) };
        let (head, tail) = self.data.split_at_mut(hi * self.stride);
        let first = &mut head[lo * self.stride + self.offset..][..self.frames];
        let second = &mut tail[self.offset..][..self.frames];
        if swap {
            (second, first)
        } else {
            (first, second)
        }
    }

    /// Every channel in index order.
    pub fn channels(&mut self) -> impl Iterator<Item = &mut [f32]> + '_ {
        let (offset, frames) = (self.offset, self.frames);
        let used = self.count * self.stride;
        self.data[..used].chunks_exact_mut(self.stride.max(1)).map(move |c| &mut c[offset..offset + frames])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_are_views_at_their_offset() {
        let data = [1.0, 2.0, 3.0, 4.0];
        let inputs = AudioInputs::new(&data, 2, 2, 1, 1);
        assert_eq!(inputs.channel(1), &[4.0]);
        let mut data = [0.0; 4];
        let mut outputs = AudioOutputs::new(&mut data, 2, 2, 0, 2);
        outputs.channel(1).fill(0.5);
        assert_eq!(data, [0.0, 0.0, 0.5, 0.5]);
    }

    #[test]
    fn pair_gives_two_channels_in_the_order_asked() {
        let mut data = [0.0; 2];
        let mut outputs = AudioOutputs::new(&mut data, 2, 1, 0, 1);
        let (r, l) = outputs.pair(1, 0);
        l[0] = 1.0;
        r[0] = 2.0;
        assert_eq!(data, [1.0, 2.0]);
    }

    #[test]
    fn channels_iterates_every_channel() {
        let mut data = [0.0; 4];
        let mut outputs = AudioOutputs::new(&mut data, 2, 2, 1, 1);
        for channel in outputs.channels() {
            channel.fill(1.0);
        }
        assert_eq!(data, [0.0, 1.0, 0.0, 1.0]);
    }
}
