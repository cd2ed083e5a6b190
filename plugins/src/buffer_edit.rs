//! The `set`, `setn`, `fill`, `get` and `getn` operations of `audio-buffer`: samples
//! written and read by index, as scsynth's `/b_set`, `/b_setn`, `/b_fill`, `/b_get` and
//! `/b_getn` write and read them.
//!
//! Indices count samples as the buffer stores them, interleaved (`frame * channels +
//! channel`). Every index and count is checked before any sample is written, so a bad
//! argument leaves the buffer as it was.
//!
//! Context: NRT (a worker).

use oscine_plugin_api::{PluginError, ResourceArg};

use crate::AudioBuffer;

/// `set index value [index value ...]`: sets each sample.
pub(crate) fn set(buffer: &AudioBuffer, args: &[ResourceArg]) -> Result<(), PluginError> {
    if args.is_empty() || !args.len().is_multiple_of(2) {
        return Err(PluginError::new("set takes pairs of a sample index and a value"));
    }
    let mut writes = Vec::with_capacity(args.len() / 2);
    for pair in args.chunks(2) {
        let index = index(buffer, &pair[0], "set")?;
        writes.push((index, value(&pair[1], "set")?));
    }
    for (index, value) in writes {
        buffer.set_sample(index, value);
    }
    Ok(())
}

/// `setn start count value... [start count value... ...]`: sets `count` samples from
/// `start` to the values that follow.
pub(crate) fn setn(buffer: &AudioBuffer, args: &[ResourceArg]) -> Result<(), PluginError> {
    let mut runs = Vec::new();
    let mut rest = args;
    if rest.is_empty() {
        return Err(PluginError::new("setn takes a start index, a count and that many values"));
    }
    while !rest.is_empty() {
        let [start, count, tail @ ..] = rest else {
            return Err(PluginError::new("setn: a start index needs a count after it"));
        };
        let (start, count) = run(buffer, start, count, "setn")?;
        if tail.len() < count {
            return Err(PluginError::new(format!("setn: {count} values announced, {} given", tail.len())));
        }
        let values = tail[..count].iter().map(|v| value(v, "setn")).collect::<Result<Vec<f32>, _>>()?;
        runs.push((start, values));
        rest = &tail[count..];
    }
    for (start, values) in runs {
        for (i, v) in values.into_iter().enumerate() {
            buffer.set_sample(start + i, v);
        }
    }
    Ok(())
}

/// `fill start count value [start count value ...]`: sets `count` samples from `start`
/// to `value`.
pub(crate) fn fill(buffer: &AudioBuffer, args: &[ResourceArg]) -> Result<(), PluginError> {
    if args.is_empty() || !args.len().is_multiple_of(3) {
        return Err(PluginError::new("fill takes triples of a start index, a count and a value"));
    }
    let mut runs = Vec::with_capacity(args.len() / 3);
    for triple in args.chunks(3) {
        let (start, count) = run(buffer, &triple[0], &triple[1], "fill")?;
        runs.push((start, count, value(&triple[2], "fill")?));
    }
    for (start, count, v) in runs {
        for i in start..start + count {
            buffer.set_sample(i, v);
        }
    }
    Ok(())
}

/// `get index [index ...]`: each index and its sample, in pairs.
pub(crate) fn get(buffer: &AudioBuffer, args: &[ResourceArg]) -> Result<Vec<ResourceArg>, PluginError> {
    if args.is_empty() {
        return Err(PluginError::new("get takes sample indices"));
    }
    let mut out = Vec::with_capacity(args.len() * 2);
    for arg in args {
        let i = index(buffer, arg, "get")?;
        out.extend([ResourceArg::Int(i as i64), ResourceArg::Float(f64::from(buffer.sample(i)))]);
    }
    Ok(out)
}

/// `getn start count [start count ...]`: each run's start, count and samples.
pub(crate) fn getn(buffer: &AudioBuffer, args: &[ResourceArg]) -> Result<Vec<ResourceArg>, PluginError> {
    if args.is_empty() || !args.len().is_multiple_of(2) {
        return Err(PluginError::new("getn takes pairs of a start index and a count"));
    }
    let mut out = Vec::new();
    for pair in args.chunks(2) {
        let (start, count) = run(buffer, &pair[0], &pair[1], "getn")?;
        out.extend([ResourceArg::Int(start as i64), ResourceArg::Int(count as i64)]);
        out.extend((start..start + count).map(|i| ResourceArg::Float(f64::from(buffer.sample(i)))));
    }
    Ok(out)
}

/// `copy dst-start src-start count`: copies `count` samples of `source` from `src-start`
/// into `buffer` from `dst-start` (a negative count: as many as both have room for);
/// returns how many it copied. The two may be the same buffer.
pub(crate) fn copy(buffer: &AudioBuffer, source: &AudioBuffer, args: &[ResourceArg]) -> Result<usize, PluginError> {
    let [dst, src, count] = args else {
        return Err(PluginError::new("copy takes a destination start, a source start and a count"));
    };
    let dst = index(buffer, dst, "copy")?;
    let src = index(source, src, "copy")?;
    let room = (buffer.len() - dst).min(source.len() - src);
    let count = count.as_int().ok_or_else(|| PluginError::new("copy: a count is a whole number"))?;
    let count = usize::try_from(count).map_or(room, |n| n.min(room));
    // Read first: the ranges may overlap.
    let samples: Vec<f32> = (src..src + count).map(|i| source.sample(i)).collect();
    for (k, v) in samples.into_iter().enumerate() {
        buffer.set_sample(dst + k, v);
    }
    Ok(count)
}

/// A sample index inside the buffer.
fn index(buffer: &AudioBuffer, arg: &ResourceArg, op: &str) -> Result<usize, PluginError> {
    let i = arg.as_int().ok_or_else(|| PluginError::new(format!("{op}: a sample index is a whole number")))?;
    usize::try_from(i).ok().filter(|&i| i < buffer.len()).ok_or_else(|| {
        PluginError::new(format!("{op}: sample index {i} is outside the buffer's {} samples", buffer.len()))
    })
}

/// A run of `count` samples from `start`, inside the buffer.
fn run(
    buffer: &AudioBuffer,
    start: &ResourceArg,
    count: &ResourceArg,
    op: &str,
) -> Result<(usize, usize), PluginError> {
    let start = index(buffer, start, op)?;
    let count = count.as_int().ok_or_else(|| PluginError::new(format!("{op}: a count is a whole number")))?;
    match usize::try_from(count) {
        Ok(n) if n <= buffer.len() - start => Ok((start, n)),
        _ => Err(PluginError::new(format!(
            "{op}: {count} samples from index {start} do not fit the buffer's {} samples",
            buffer.len()
        ))),
    }
}

/// A sample value.
fn value(arg: &ResourceArg, op: &str) -> Result<f32, PluginError> {
    arg.as_float().map(|v| v as f32).ok_or_else(|| PluginError::new(format!("{op}: a sample value is a number")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ResourceArg::{Float as F, Int as I};

    fn buffer() -> AudioBuffer {
        AudioBuffer::new(2, 4, 48_000.0).unwrap()
    }

    fn samples(b: &AudioBuffer) -> Vec<f32> {
        (0..b.len()).map(|i| b.sample(i)).collect()
    }

    #[test]
    fn set_writes_interleaved_samples() {
        let b = buffer();
        set(&b, &[I(0), F(0.5), I(3), I(2)]).unwrap();
        assert_eq!(samples(&b), [0.5, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.0]);
        assert_eq!(b.get(1, 1), 2.0);
    }

    #[test]
    fn setn_and_fill_write_runs() {
        let b = buffer();
        setn(&b, &[I(1), I(2), F(1.0), F(2.0), I(6), I(1), F(3.0)]).unwrap();
        assert_eq!(samples(&b), [0.0, 1.0, 2.0, 0.0, 0.0, 0.0, 3.0, 0.0]);
        fill(&b, &[I(4), I(4), F(-1.0)]).unwrap();
        assert_eq!(samples(&b), [0.0, 1.0, 2.0, 0.0, -1.0, -1.0, -1.0, -1.0]);
    }

    #[test]
    fn get_and_getn_read_what_was_written() {
        let b = buffer();
        setn(&b, &[I(2), I(3), F(0.5), F(0.25), F(-1.0)]).unwrap();
        assert_eq!(get(&b, &[I(3), I(0)]).unwrap(), [I(3), F(0.25), I(0), F(0.0)]);
        assert_eq!(getn(&b, &[I(2), I(2), I(7), I(1)]).unwrap(), [I(2), I(2), F(0.5), F(0.25), I(7), I(1), F(0.0)]);
        assert!(get(&b, &[I(8)]).unwrap_err().reason().contains("outside the buffer"));
        assert!(getn(&b, &[I(6), I(3)]).unwrap_err().reason().contains("do not fit"));
    }

    #[test]
    fn copy_copies_what_fits() {
        let (a, b) = (buffer(), buffer());
        setn(&a, &[I(0), I(4), F(1.0), F(2.0), F(3.0), F(4.0)]).unwrap();
        assert_eq!(copy(&b, &a, &[I(6), I(1), I(-1)]).unwrap(), 2);
        assert_eq!(samples(&b), [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0, 3.0]);
        // Within one buffer, overlapping.
        assert_eq!(copy(&a, &a, &[I(1), I(0), I(3)]).unwrap(), 3);
        assert_eq!(samples(&a)[..4], [1.0, 1.0, 2.0, 3.0]);
        assert!(copy(&a, &b, &[I(8), I(0), I(1)]).is_err());
    }

    #[test]
    fn a_bad_argument_writes_nothing() {
        let b = buffer();
        type Edit = fn(&AudioBuffer, &[ResourceArg]) -> Result<(), PluginError>;
        let cases: &[(Edit, Vec<ResourceArg>, &str)] = &[
            (set, vec![I(0), F(1.0), I(8), F(1.0)], "sample index 8 is outside the buffer's 8 samples"),
            (set, vec![I(0)], "pairs"),
            (set, vec![I(-1), F(1.0)], "sample index -1"),
            (setn, vec![I(0), I(3), F(1.0), F(1.0)], "3 values announced, 2 given"),
            (setn, vec![I(6), I(3), F(1.0), F(1.0), F(1.0)], "3 samples from index 6 do not fit"),
            (fill, vec![I(0), I(2), F(1.0), I(7), I(2), F(1.0)], "2 samples from index 7"),
            (fill, vec![I(0), I(2), ResourceArg::String("x".into())], "a sample value is a number"),
        ];
        for (op, args, reason) in cases {
            let error = op(&b, args).unwrap_err();
            assert!(error.reason().contains(reason), "{args:?}: {}", error.reason());
            assert_eq!(samples(&b), [0.0; 8]);
        }
    }
}
