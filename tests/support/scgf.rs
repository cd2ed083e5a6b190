//! Writes SCgf (SynthDef file, version 2) bytes for tests, from a small description:
//! graphs made of the UGens a test needs, without sclang or supriya.

/// One ugen of a test graph: class name, rate (0 ir, 1 kr, 2 ar), special index, inputs
/// and output rates.
pub struct Ugen {
    pub name: &'static str,
    pub rate: u8,
    pub special: i16,
    pub inputs: Vec<In>,
    pub outputs: Vec<u8>,
}

/// A ugen input: a constant's index, or (ugen, output).
#[derive(Clone, Copy)]
pub enum In {
    Const(u32),
    Ugen(u32, u32),
}

/// A test graph.
pub struct Graph {
    pub name: &'static str,
    pub constants: Vec<f32>,
    /// Parameter names with their defaults, one value each.
    pub params: Vec<(&'static str, f32)>,
    pub ugens: Vec<Ugen>,
    /// Variants: name and one value per parameter.
    pub variants: Vec<(&'static str, Vec<f32>)>,
}

fn pstring(out: &mut Vec<u8>, s: &str) {
    out.push(s.len() as u8);
    out.extend_from_slice(s.as_bytes());
}

/// The SCgf version 2 bytes of `graphs`.
pub fn file(graphs: &[Graph]) -> Vec<u8> {
    let mut out = b"SCgf".to_vec();
    out.extend_from_slice(&2i32.to_be_bytes());
    out.extend_from_slice(&(graphs.len() as i16).to_be_bytes());
    for g in graphs {
        pstring(&mut out, g.name);
        out.extend_from_slice(&(g.constants.len() as i32).to_be_bytes());
        for c in &g.constants {
            out.extend_from_slice(&c.to_be_bytes());
        }
        out.extend_from_slice(&(g.params.len() as i32).to_be_bytes());
        for (_, v) in &g.params {
            out.extend_from_slice(&v.to_be_bytes());
        }
        out.extend_from_slice(&(g.params.len() as i32).to_be_bytes());
        for (i, (name, _)) in g.params.iter().enumerate() {
            pstring(&mut out, name);
            out.extend_from_slice(&(i as i32).to_be_bytes());
        }
        out.extend_from_slice(&(g.ugens.len() as i32).to_be_bytes());
        for u in &g.ugens {
            pstring(&mut out, u.name);
            out.push(u.rate);
            out.extend_from_slice(&(u.inputs.len() as i32).to_be_bytes());
            out.extend_from_slice(&(u.outputs.len() as i32).to_be_bytes());
            out.extend_from_slice(&u.special.to_be_bytes());
            for input in &u.inputs {
                let (a, b) = match *input {
                    In::Const(c) => (-1i32, c as i32),
                    In::Ugen(u, o) => (u as i32, o as i32),
                };
                out.extend_from_slice(&a.to_be_bytes());
                out.extend_from_slice(&b.to_be_bytes());
            }
            out.extend(u.outputs.iter().copied());
        }
        out.extend_from_slice(&(g.variants.len() as i16).to_be_bytes());
        for (name, values) in &g.variants {
            pstring(&mut out, name);
            for v in values {
                out.extend_from_slice(&v.to_be_bytes());
            }
        }
    }
    out
}

/// `Out.ar(bus, SinOsc.ar(freq, 0))` with controls `freq` and `bus`: the smallest graph
/// that sounds, made only of the UGens every build has.
pub fn sine(name: &'static str, freq: f32) -> Graph {
    Graph {
        name,
        constants: vec![0.0],
        params: vec![("freq", freq), ("bus", 0.0)],
        ugens: vec![
            Ugen { name: "Control", rate: 1, special: 0, inputs: vec![], outputs: vec![1, 1] },
            Ugen { name: "SinOsc", rate: 2, special: 0, inputs: vec![In::Ugen(0, 0), In::Const(0)], outputs: vec![2] },
            Ugen { name: "Out", rate: 2, special: 0, inputs: vec![In::Ugen(0, 1), In::Ugen(1, 0)], outputs: vec![] },
        ],
        variants: vec![("high", vec![freq * 2.0, 0.0])],
    }
}

/// `Out.ar(bus, r); Out.ar(copy, r)` where `r = Integrator.ar(DC.ar(1), 1)`: a ramp that
/// grows by exactly 1 every frame, written to two buses.
pub fn ramp(name: &'static str) -> Graph {
    Graph {
        name,
        constants: vec![1.0],
        params: vec![("bus", 0.0), ("copy", 0.0)],
        ugens: vec![
            Ugen { name: "Control", rate: 1, special: 0, inputs: vec![], outputs: vec![1, 1] },
            Ugen { name: "DC", rate: 2, special: 0, inputs: vec![In::Const(0)], outputs: vec![2] },
            Ugen {
                name: "Integrator",
                rate: 2,
                special: 0,
                inputs: vec![In::Ugen(1, 0), In::Const(0)],
                outputs: vec![2],
            },
            Ugen { name: "Out", rate: 2, special: 0, inputs: vec![In::Ugen(0, 0), In::Ugen(2, 0)], outputs: vec![] },
            Ugen { name: "Out", rate: 2, special: 0, inputs: vec![In::Ugen(0, 1), In::Ugen(2, 0)], outputs: vec![] },
        ],
        variants: vec![],
    }
}

/// `Out.ar(0, [xa, K2A.ar(xk)])` with an audio-rate control `xa` (`AudioControl`) and a
/// control-rate one `xk`: what each control reads, on audio buses 0 and 1.
pub fn control_reader(name: &'static str) -> Graph {
    Graph {
        name,
        constants: vec![0.0],
        params: vec![("xa", 0.0), ("xk", 0.0)],
        ugens: vec![
            Ugen { name: "AudioControl", rate: 2, special: 0, inputs: vec![], outputs: vec![2] },
            Ugen { name: "Control", rate: 1, special: 1, inputs: vec![], outputs: vec![1] },
            Ugen { name: "K2A", rate: 2, special: 0, inputs: vec![In::Ugen(1, 0)], outputs: vec![2] },
            Ugen {
                name: "Out",
                rate: 2,
                special: 0,
                inputs: vec![In::Const(0), In::Ugen(0, 0), In::Ugen(2, 0)],
                outputs: vec![],
            },
        ],
        variants: vec![],
    }
}
