//! scsynth's command line, as sclang's `Server.program` and supriya pass it (`-u 57110 -a
//! 1024 -i 2 -o 2 ...`), translated into Oscine's flags, so Oscine can be started in
//! scsynth's place. Flags for what Oscine has (ports, bus and node counts, block size,
//! channels, logins) take scsynth's meaning; the others are accepted with a warning saying
//! what Oscine does instead. `-N` (non-realtime) becomes `oscine render`.

use std::ffi::OsString;

/// The flags scsynth takes a value after.
const WITH_VALUE: &str = "utacbndzZmrwSDIOHVRPUClsioBpM";

/// The result of looking at a command line.
#[derive(Debug, PartialEq)]
pub enum Translation {
    /// Not scsynth's: parse it as Oscine's.
    Native,
    /// Oscine's flags for scsynth's, and warnings about the flags Oscine has no use for.
    Scsynth { args: Vec<OsString>, warnings: Vec<String> },
}

/// Whether `args` (the program name first) is scsynth's command line, and if so Oscine's
/// equivalent.
///
/// # Errors
/// A scsynth flag without its value, or a value that is not a number where one is needed.
pub fn translate(args: &[OsString]) -> Result<Translation, String> {
    let Some(first) = args.get(1).and_then(|a| a.to_str()) else { return Ok(Translation::Native) };
    if !is_scsynth_flag(first) {
        return Ok(Translation::Native);
    }
    let mut out: Vec<OsString> = vec![args[0].clone()];
    let mut warnings = Vec::new();
    let flag = |out: &mut Vec<OsString>, name: &str, value: &str| {
        out.push(name.into());
        out.push(value.into());
    };
    let (mut inputs, mut outputs, mut audio_buses) = (8u32, 8u32, None::<u32>);
    let (mut outputs_given, mut block) = (None::<u32>, None::<String>);
    let (mut udp, mut tcp) = (None::<String>, None::<String>);
    let mut rest = args[1..].iter().map(|a| a.to_string_lossy().into_owned()).peekable();
    while let Some(arg) = rest.next() {
        if arg == "-N" {
            return non_realtime(args[0].clone(), rest.collect(), outputs_given, block, warnings);
        }
        if arg == "-L" {
            warnings.push("-L: Oscine's audio thread allocates nothing; no memory to lock".into());
            continue;
        }
        if !is_scsynth_flag(&arg) {
            return Err(format!("'{arg}' is not one of scsynth's flags"));
        }
        let letter = arg.chars().nth(1).unwrap_or('?');
        let value = rest.next().ok_or_else(|| format!("scsynth's {arg} needs a value"))?;
        let number = || value.parse::<i64>().map_err(|_| format!("scsynth's {arg} takes a number, got '{value}'"));
        match letter {
            'u' => udp = Some(value.clone()),
            't' => tcp = Some(value.clone()),
            'B' => flag(&mut out, "--bind", &value),
            'a' => audio_buses = Some(number()?.max(0) as u32),
            'i' => inputs = number()?.max(0) as u32,
            'o' => {
                outputs = number()?.max(1) as u32;
                outputs_given = Some(outputs);
            }
            'c' => flag(&mut out, "--max-control-buses", &value),
            'b' => flag(&mut out, "--max-resources", &number()?.max(1).to_string()),
            'n' => flag(&mut out, "--max-nodes", &value),
            'z' => {
                flag(&mut out, "--block-size", &value);
                block = Some(value.clone());
            }
            'Z' if number()? > 0 => flag(&mut out, "--buffer-size", &value),
            'S' if number()? > 0 => flag(&mut out, "--sample-rate", &value),
            'Z' | 'S' => {}
            'l' => flag(&mut out, "--max-logins", &number()?.clamp(1, 32).to_string()),
            'V' => {
                let level = match number()? {
                    ..=-2 => "error",
                    -1 => "warn",
                    0 => "info",
                    _ => "debug",
                };
                flag(&mut out, "--log-level", level);
            }
            'H' => {
                // `-H device` or `-H in-device out-device`: Oscine plays to the output.
                let device = match rest.peek() {
                    Some(next) if !next.starts_with('-') => rest.next().unwrap_or_default(),
                    _ => value.clone(),
                };
                if !device.is_empty() {
                    flag(&mut out, "--device", &device);
                }
            }
            'd' => warnings.push(format!("-d {value}: Oscine has no limit on SynthDefs")),
            'm' => warnings.push(format!(
                "-m {value}: Oscine builds each Synth off the audio thread; there is no real-time memory pool"
            )),
            'w' => warnings.push(format!("-w {value}: a graph Synth holds its own wire buffers")),
            'r' => warnings.push(format!("-r {value}: each Synth has its own random generator")),
            'D' => warnings.push(format!("-D {value}: Oscine loads no SynthDef directory at start (use /d_loadDir)")),
            'U' => {
                warnings.push(format!("-U {value}: scsynth's UGen plugins do not load in Oscine (use --plugin-path)"))
            }
            'P' => warnings.push(format!("-P {value}: file access is not restricted to a path")),
            'I' | 'O' | 'R' | 'C' | 's' | 'p' | 'M' => {
                warnings.push(format!("{arg} {value}: not used by Oscine"));
            }
            other => return Err(format!("scsynth's -{other} is not known")),
        }
    }
    // scsynth serves one protocol; Oscine always serves UDP, on the TCP port's number when
    // only that is given.
    if let Some(port) = udp.as_ref().or(tcp.as_ref()) {
        flag(&mut out, "--port", port);
    }
    if let Some(port) = &tcp {
        flag(&mut out, "--tcp-port", port);
    }
    // scsynth counts the hardware channels among its audio buses; Oscine's are the rest.
    let internal = audio_buses.map_or(1024, |a| a.saturating_sub(inputs + outputs));
    flag(&mut out, "--inputs", &inputs.to_string());
    flag(&mut out, "--outputs", &outputs.to_string());
    flag(&mut out, "--max-audio-buses", &internal.to_string());
    flag(&mut out, "--dialect", "scsynth");
    out.push("--announce-ready".into());
    Ok(Translation::Scsynth { args: out, warnings })
}

fn is_scsynth_flag(arg: &str) -> bool {
    let mut chars = arg.chars();
    chars.next() == Some('-')
        && chars.next().is_some_and(|c| WITH_VALUE.contains(c) || c == 'N' || c == 'L')
        && chars.next().is_none()
}

/// `-N score input output sample-rate header sample-format`, scsynth's non-realtime
/// render, as `oscine render`, with the output channels and block size given before it.
fn non_realtime(
    program: OsString,
    rest: Vec<String>,
    outputs: Option<u32>,
    block: Option<String>,
    mut warnings: Vec<String>,
) -> Result<Translation, String> {
    let [score, input, output, rate, header, sample, ..] = &rest[..] else {
        return Err("scsynth's -N takes a score, an input file (or _), an output file, a sample rate, a header \
                    format and a sample format"
            .into());
    };
    if !header.eq_ignore_ascii_case("wav") && !header.eq_ignore_ascii_case("wave") {
        return Err(format!("-N: Oscine renders WAV files only, not '{header}'"));
    }
    let format = match sample.as_str() {
        "float" => "float",
        "int16" => "int16",
        "int24" => "int24",
        other => return Err(format!("-N: sample format '{other}': one of float, int16 or int24")),
    };
    let mut out: Vec<OsString> = vec![program, "render".into(), score.into(), output.into()];
    out.extend(["--sample-rate".into(), rate.into(), "--format".into(), format.into()]);
    if input != "_" {
        out.extend(["--inputs".into(), input.into()]);
    }
    if let Some(outputs) = outputs {
        out.extend(["--outputs".into(), outputs.to_string().into()]);
    }
    if let Some(block) = block {
        out.extend(["--block-size".into(), block.into()]);
    }
    if rest.len() > 6 {
        warnings.push(format!("-N: flags after the sample format are not read ({})", rest[6..].join(" ")));
    }
    Ok(Translation::Scsynth { args: out, warnings })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<OsString> {
        line.split(' ').map(OsString::from).collect()
    }

    fn strings(t: Translation) -> (Vec<String>, Vec<String>) {
        match t {
            Translation::Scsynth { args, warnings } => {
                (args.into_iter().map(|a| a.to_string_lossy().into_owned()).collect(), warnings)
            }
            Translation::Native => panic!("not scsynth's"),
        }
    }

    #[test]
    fn oscines_own_command_lines_are_left_alone() {
        assert_eq!(translate(&args("oscine --driver dummy")), Ok(Translation::Native));
        assert_eq!(translate(&args("oscine render a.osc b.wav")), Ok(Translation::Native));
        assert_eq!(translate(&args("oscine")), Ok(Translation::Native));
    }

    #[test]
    fn sclangs_command_line_becomes_oscines() {
        // What ServerOptions.asOptionsString gives for a default local server.
        let line = "scsynth -u 57110 -a 1024 -i 2 -o 2 -b 1026 -R 0 -C 0 -l 1 -m 8192 -z 64";
        let (out, warnings) = strings(translate(&args(line)).unwrap());
        let joined = out.join(" ");
        for part in [
            "--port 57110",
            "--max-resources 1026",
            "--max-logins 1",
            "--block-size 64",
            "--inputs 2",
            "--outputs 2",
            "--max-audio-buses 1020",
            "--dialect scsynth",
            "--announce-ready",
        ] {
            assert!(joined.contains(part), "{part} in {joined}");
        }
        assert!(warnings.iter().any(|w| w.starts_with("-m 8192")), "{warnings:?}");
        assert!(warnings.iter().any(|w| w.starts_with("-R 0")), "{warnings:?}");
    }

    #[test]
    fn a_tcp_port_serves_tcp_and_udp_on_that_number() {
        let (out, warnings) = strings(translate(&args("scsynth -t 57110")).unwrap());
        let joined = out.join(" ");
        assert!(joined.contains("--port 57110") && joined.contains("--tcp-port 57110"), "{joined}");
        assert!(warnings.is_empty(), "{warnings:?}");
        let (out, _) = strings(translate(&args("scsynth -u 57111 -t 57110")).unwrap());
        let joined = out.join(" ");
        assert!(joined.contains("--port 57111") && joined.contains("--tcp-port 57110"), "{joined}");
        let (out, _) = strings(translate(&args("scsynth -u 57111")).unwrap());
        assert!(!out.join(" ").contains("--tcp-port"));
    }

    #[test]
    fn devices_verbosity_and_bad_values() {
        let (out, _) = strings(translate(&args("scsynth -u 1 -H in out -V -1 -S 0")).unwrap());
        let joined = out.join(" ");
        assert!(joined.contains("--device out") && joined.contains("--log-level warn"), "{joined}");
        assert!(!joined.contains("--sample-rate"), "{joined}");
        assert_eq!(translate(&args("scsynth -u")), Err("scsynth's -u needs a value".into()));
        assert_eq!(translate(&args("scsynth -u 1 -a x")), Err("scsynth's -a takes a number, got 'x'".into()));
        assert_eq!(translate(&args("scsynth -u 1 --driver")), Err("'--driver' is not one of scsynth's flags".into()));
    }

    #[test]
    fn non_realtime_becomes_render() {
        let (out, warnings) =
            strings(translate(&args("scsynth -o 3 -z 32 -N s.osc _ o.wav 44100 WAV int16 -x")).unwrap());
        assert_eq!(
            out[1..],
            [
                "render",
                "s.osc",
                "o.wav",
                "--sample-rate",
                "44100",
                "--format",
                "int16",
                "--outputs",
                "3",
                "--block-size",
                "32"
            ]
        );
        assert!(warnings[0].contains("(-x)"), "{warnings:?}");
        assert!(translate(&args("scsynth -N s.osc _ o.aiff 44100 AIFF int16")).unwrap_err().contains("WAV files"));
    }
}
