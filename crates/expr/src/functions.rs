//! Type checking of function calls: math, casts, reductions, sorting, picking, combinatorics,
//! four-vectors, angles and random numbers.

use crate::ast::{Expr, ExprKind};
use crate::check::{
    numeric_shape, typed, Checker, Coords, Dist, Math1, Math2, Node, Pick, Reduce, Ty, Typed,
};
use crate::error::{ExprError, Span};
use crate::schema::Num;

/// Every function name, for suggestions.
pub const FUNCTIONS: [&str; 52] = [
    "abs",
    "sqrt",
    "exp",
    "log",
    "log10",
    "sin",
    "cos",
    "tan",
    "asin",
    "acos",
    "atan",
    "atan2",
    "sinh",
    "cosh",
    "tanh",
    "floor",
    "ceil",
    "pow",
    "min",
    "max",
    "sum",
    "prod",
    "count",
    "any",
    "all",
    "mean",
    "argmin",
    "argmax",
    "len",
    "delta_phi",
    "delta_r",
    "min_delta_r",
    "combinations",
    "cartesian",
    "concat",
    "where",
    "float",
    "double",
    "int",
    "long",
    "bool",
    "sort",
    "argsort",
    "first",
    "last",
    "get",
    "gaussian_quantile",
    "PxPyPzMVector",
    "PxPyPzEVector",
    "random_normal",
    "correction",
    "lookup",
];

impl Checker<'_> {
    pub(crate) fn call(
        &self,
        f: &str,
        args: &[Expr],
        span: Span,
        depth: usize,
    ) -> Result<Typed, ExprError> {
        let arity = |n: usize| -> Result<(), ExprError> {
            if args.len() != n {
                Err(ExprError::ty(
                    format!(
                        "{f}() takes {n} argument{}, not {}",
                        if n == 1 { "" } else { "s" },
                        args.len()
                    ),
                    span,
                ))
            } else {
                Ok(())
            }
        };
        let arg = |i: usize| self.check(&args[i], depth);
        let math1 = match f {
            "abs" => Some(Math1::Abs),
            "sqrt" => Some(Math1::Sqrt),
            "exp" => Some(Math1::Exp),
            "log" => Some(Math1::Log),
            "log10" => Some(Math1::Log10),
            "sin" => Some(Math1::Sin),
            "cos" => Some(Math1::Cos),
            "tan" => Some(Math1::Tan),
            "asin" => Some(Math1::Asin),
            "acos" => Some(Math1::Acos),
            "atan" => Some(Math1::Atan),
            "sinh" => Some(Math1::Sinh),
            "cosh" => Some(Math1::Cosh),
            "tanh" => Some(Math1::Tanh),
            "floor" => Some(Math1::Floor),
            "ceil" => Some(Math1::Ceil),
            _ => None,
        };
        if let Some(m) = math1 {
            arity(1)?;
            let a = arg(0)?;
            let (n, list) = numeric_shape(&a.ty).ok_or_else(|| {
                ExprError::ty(
                    format!("{f}() needs numbers, not a {}", a.ty.describe()),
                    args[0].span,
                )
            })?;
            // As C++: float arguments call the float overloads (cosf, …), integers the double
            // ones, except abs, which keeps integers integers.
            let num = match (m, n) {
                (Math1::Abs, n) if n != Num::Bool => n,
                (_, Num::F32) => Num::F32,
                _ => Num::F64,
            };
            let ty = if list { Ty::List(num) } else { Ty::Num(num) };
            return Ok(Typed {
                node: Node::Math1 {
                    f: m,
                    arg: Box::new(a.node),
                    num,
                },
                ty,
                literal: a.literal,
            });
        }
        let cast = match f {
            "float" => Some(Num::F32),
            "double" => Some(Num::F64),
            "int" => Some(Num::I32),
            "long" => Some(Num::I64),
            "bool" => Some(Num::Bool),
            _ => None,
        };
        if let Some(num) = cast {
            arity(1)?;
            let a = arg(0)?;
            let (_, list) = numeric_shape(&a.ty).ok_or_else(|| {
                ExprError::ty(
                    format!("{f}() converts numbers, not a {}", a.ty.describe()),
                    args[0].span,
                )
            })?;
            return Ok(Typed {
                node: Node::Cast {
                    arg: Box::new(a.node),
                    num,
                },
                ty: if list { Ty::List(num) } else { Ty::Num(num) },
                literal: a.literal,
            });
        }
        match f {
            "atan2" | "pow" | "min" | "max" | "gaussian_quantile" | "normal_quantile"
                if args.len() == 2 =>
            {
                let (a, b) = (arg(0)?, arg(1)?);
                let shape = |t: &Typed, s: Span| {
                    numeric_shape(&t.ty)
                        .filter(|(n, _)| n.is_number())
                        .ok_or_else(|| {
                            ExprError::ty(
                                format!("{f}() needs numbers, not a {}", t.ty.describe()),
                                s,
                            )
                        })
                };
                let (an, al) = shape(&a, args[0].span)?;
                let (bn, bl) = shape(&b, args[1].span)?;
                let m = match f {
                    "atan2" => Math2::Atan2,
                    "pow" => Math2::Pow,
                    "min" => Math2::Min,
                    "max" => Math2::Max,
                    _ => Math2::GaussianQuantile,
                };
                let common = Num::common(an, bn);
                let num = match m {
                    // std::atan2(float, float) and std::pow(float, float) are float.
                    Math2::Atan2 | Math2::Pow if common == Num::F32 => Num::F32,
                    Math2::Atan2 | Math2::Pow | Math2::GaussianQuantile => Num::F64,
                    _ => common,
                };
                let ty = if al || bl {
                    Ty::List(num)
                } else {
                    Ty::Num(num)
                };
                Ok(Typed {
                    node: Node::Math2 {
                        f: m,
                        a: Box::new(a.node),
                        b: Box::new(b.node),
                        num,
                    },
                    ty,
                    literal: a.literal && b.literal,
                })
            }
            "where" => {
                arity(3)?;
                let (c, a, b) = (arg(0)?, arg(1)?, arg(2)?);
                self.cond_call(c, a, b, args, span)
            }
            "sum" | "prod" | "count" | "any" | "all" | "min" | "max" | "mean" | "argmin"
            | "argmax" | "len" => {
                arity(1)?;
                let a = arg(0)?;
                self.reduce(f, a, args[0].span, span)
            }
            "sort" | "argsort" => {
                arity(1)?;
                let a = arg(0)?;
                let Ty::List(n) = a.ty else {
                    return Err(ExprError::ty(
                        format!(
                            "{f}() needs a list of numbers, not a {}{}",
                            a.ty.describe(),
                            if matches!(a.ty, Ty::Objs(_)) {
                                " (sort records by a field with x[argsort(x.pt)])"
                            } else {
                                ""
                            }
                        ),
                        args[0].span,
                    ));
                };
                let indices = f == "argsort";
                Ok(typed(
                    Node::Sort {
                        arg: Box::new(a.node),
                        indices,
                    },
                    Ty::List(if indices { Num::I64 } else { n }),
                ))
            }
            "first" | "last" | "get" => {
                let (at, default_at) = if f == "get" {
                    arity(3)?;
                    let i = arg(1)?;
                    if !matches!(i.ty, Ty::Num(n) if n.is_integer()) {
                        return Err(ExprError::ty(
                            format!(
                                "get(list, i, default) needs an integer i, not a {}",
                                i.ty.describe()
                            ),
                            args[1].span,
                        ));
                    }
                    (Pick::At(Box::new(i.node)), 2)
                } else {
                    arity(2)?;
                    (
                        if f == "first" {
                            Pick::First
                        } else {
                            Pick::Last
                        },
                        1,
                    )
                };
                let l = arg(0)?;
                let d = arg(default_at)?;
                let Ty::List(ln) = l.ty else {
                    return Err(ExprError::ty(
                        format!("{f}() needs a list of numbers, not a {}", l.ty.describe()),
                        args[0].span,
                    ));
                };
                let Ty::Num(dn) = d.ty else {
                    return Err(ExprError::ty(
                        format!(
                            "the default of {f}() must be one number per event, not a {}",
                            d.ty.describe()
                        ),
                        args[default_at].span,
                    ));
                };
                let num = if ln == Num::Bool && dn == Num::Bool {
                    Num::Bool
                } else {
                    Num::common(ln, dn)
                };
                Ok(typed(
                    Node::Pick {
                        list: Box::new(l.node),
                        at,
                        default: Box::new(d.node),
                        num,
                    },
                    Ty::Num(num),
                ))
            }
            "PxPyPzMVector" | "PxPyPzEVector" => {
                arity(1)?;
                let a = arg(0)?;
                let coords = if f == "PxPyPzMVector" {
                    Coords::PxPyPzM
                } else {
                    Coords::PxPyPzE
                };
                self.p4_of(a, args[0].span, coords)
            }
            "correction" | "lookup" => self.table_call(f, args, span, depth),
            "random_normal" | "random_uniform" => {
                if args.is_empty() || args.len() > 3 {
                    return Err(ExprError::ty(
                        format!("{f}(seed[, like[, stream]]) takes 1 to 3 arguments"),
                        span,
                    ));
                }
                let seed = arg(0)?;
                if !matches!(seed.ty, Ty::Num(n) if n.is_integer()) {
                    return Err(ExprError::ty(
                        format!(
                            "the seed of {f}() must be an integer per event (e.g. event), not a {}",
                            seed.ty.describe()
                        ),
                        args[0].span,
                    ));
                }
                let like = if args.len() >= 2 {
                    let l = arg(1)?;
                    if !l.ty.is_list() {
                        return Err(ExprError::ty(
                            format!(
                                "{f}(seed, like): 'like' gives the shape (one number per element \
                                 of its lists), so it must be a list, not a {}",
                                l.ty.describe()
                            ),
                            args[1].span,
                        ));
                    }
                    Some(Box::new(l.node))
                } else {
                    None
                };
                let stream = match args.get(2).map(|a| &a.kind) {
                    None => 0,
                    Some(ExprKind::Int(k)) => *k,
                    Some(_) => {
                        return Err(ExprError::ty(
                            format!("the stream of {f}() must be written as an integer"),
                            args[2].span,
                        ))
                    }
                };
                let ty = if like.is_some() {
                    Ty::List(Num::F64)
                } else {
                    Ty::Num(Num::F64)
                };
                Ok(typed(
                    Node::Random {
                        seed: Box::new(seed.node),
                        like,
                        stream,
                        dist: if f == "random_normal" {
                            Dist::Normal
                        } else {
                            Dist::Uniform
                        },
                    },
                    ty,
                ))
            }
            "combinations" => {
                arity(2)?;
                let a = arg(0)?;
                let Ty::Objs(c) = &a.ty else {
                    return Err(ExprError::ty(
                        format!(
                            "combinations() needs a list of records, not a {}",
                            a.ty.describe()
                        ),
                        args[0].span,
                    ));
                };
                let k = match args[1].kind {
                    ExprKind::Int(k @ 2..=4) => k as usize,
                    _ => {
                        return Err(ExprError::ty(
                            "combinations(list, k) needs k = 2, 3 or 4 written as a number",
                            args[1].span,
                        ))
                    }
                };
                let c = c.clone();
                Ok(typed(
                    Node::Combinations {
                        coll: Box::new(a.node),
                        name: c.clone(),
                        k,
                    },
                    Ty::Tuples(vec![c; k]),
                ))
            }
            "cartesian" => {
                arity(2)?;
                let (a, b) = (arg(0)?, arg(1)?);
                let (Ty::Objs(ca), Ty::Objs(cb)) = (&a.ty, &b.ty) else {
                    return Err(ExprError::ty(
                        "cartesian() needs two lists of records",
                        span,
                    ));
                };
                let ty = Ty::Tuples(vec![ca.clone(), cb.clone()]);
                Ok(typed(
                    Node::Cartesian {
                        a: Box::new(a.node),
                        b: Box::new(b.node),
                    },
                    ty,
                ))
            }
            "concat" => {
                if args.len() < 2 {
                    return Err(ExprError::ty(
                        "concat() joins two or more collections",
                        span,
                    ));
                }
                let mut parts = Vec::new();
                for a in args {
                    match &a.kind {
                        ExprKind::Name(n) if self.scope.colls.contains_key(n) => {
                            parts.push(self.scope.colls[n].clone())
                        }
                        _ => {
                            return Err(ExprError::ty(
                                "concat() takes collection names (e.g. concat(Muon, Electron)); \
                                 select with a mask afterwards",
                                a.span,
                            ))
                        }
                    }
                }
                let name = parts.join("+");
                Ok(typed(Node::Concat { parts }, Ty::Objs(name)))
            }
            "min_delta_r" => {
                arity(2)?;
                let (a, b) = (arg(0)?, arg(1)?);
                for (t, s) in [(&a, args[0].span), (&b, args[1].span)] {
                    match &t.ty {
                        Ty::Objs(c)
                            if self.coll_fields(c).contains_key("eta")
                                && self.coll_fields(c).contains_key("phi") => {}
                        other => {
                            return Err(ExprError::ty(
                                format!(
                                "min_delta_r() needs lists of records with eta and phi, not a {}",
                                other.describe()
                            ),
                                s,
                            ))
                        }
                    }
                }
                // Single precision when all inputs are floats, as ROOT's VecOps::DeltaR on RVecF.
                let all_f32 = [&a, &b].iter().all(|t| match &t.ty {
                    Ty::Objs(c) => {
                        let f = self.coll_fields(c);
                        f.get("eta").map(|x| x.1) == Some(Num::F32)
                            && f.get("phi").map(|x| x.1) == Some(Num::F32)
                    }
                    _ => false,
                });
                let num = if all_f32 { Num::F32 } else { Num::F64 };
                let colls = record_colls(&[&a, &b]);
                Ok(typed(
                    Node::MinDeltaR {
                        a: Box::new(a.node),
                        b: Box::new(b.node),
                        colls,
                    },
                    Ty::List(num),
                ))
            }
            "delta_phi" | "delta_r" => {
                arity(2)?;
                let (a, b) = (arg(0)?, arg(1)?);
                if f == "delta_phi" && numeric_shape(&a.ty).is_some() {
                    // Angles given as numbers: ROOT's DeltaPhi(phi1, phi2).
                    let (an, al) = numeric_shape(&a.ty)
                        .ok_or_else(|| ExprError::ty("delta_phi() needs angles", args[0].span))?;
                    let (bn, bl) = numeric_shape(&b.ty)
                        .ok_or_else(|| ExprError::ty("delta_phi() needs angles", args[1].span))?;
                    if !an.is_number() || !bn.is_number() {
                        return Err(ExprError::ty("delta_phi() needs angles", span));
                    }
                    let num = if Num::common(an, bn) == Num::F32 {
                        Num::F32
                    } else {
                        Num::F64
                    };
                    let ty = if al || bl {
                        Ty::List(num)
                    } else {
                        Ty::Num(num)
                    };
                    return Ok(typed(
                        Node::DeltaPhi {
                            a: Box::new(a.node),
                            b: Box::new(b.node),
                            colls: Vec::new(),
                            single: num == Num::F32,
                        },
                        ty,
                    ));
                }
                let shape = |t: &Typed, s: Span| -> Result<bool, ExprError> {
                    match &t.ty {
                        Ty::Obj(_) | Ty::P4 => Ok(false),
                        Ty::Objs(_) | Ty::P4List => Ok(true),
                        other => Err(ExprError::ty(
                            format!(
                                "{f}() needs records or four-vectors, not a {}",
                                other.describe()
                            ),
                            s,
                        )),
                    }
                };
                let (al, bl) = (shape(&a, args[0].span)?, shape(&b, args[1].span)?);
                if al && bl {
                    return Err(ExprError::ty(
                        format!("{f}() of two lists is ambiguous; index one side (e.g. Muon[0])"),
                        span,
                    ));
                }
                // Records use their own eta and phi fields (not a round trip through a
                // four-vector), as ROOT's DeltaR(eta1, eta2, phi1, phi2) does.
                for (t, s) in [(&a, args[0].span), (&b, args[1].span)] {
                    if let Ty::Obj(c) | Ty::Objs(c) = &t.ty {
                        let fields = self.coll_fields(c);
                        if !fields.contains_key("phi")
                            || (f == "delta_r" && !fields.contains_key("eta"))
                        {
                            return Err(ExprError::ty(
                                format!(
                                    "{} records have no eta/phi fields",
                                    crate::scope::display_coll(c)
                                ),
                                s,
                            ));
                        }
                    }
                }
                // Two records of `float` angles (NanoAOD's Jet[0], Jet[1]) are computed in float,
                // as RDataFrame's DeltaR(Jet_eta[0], Jet_eta[1], Jet_phi[0], Jet_phi[1]) is;
                // four-vectors and double angles in double.
                let float_angles = |t: &Typed| match &t.ty {
                    Ty::Obj(c) | Ty::Objs(c) => {
                        let fields = self.coll_fields(c);
                        let is_f32 = |n: &str| fields.get(n).is_some_and(|(_, k)| *k == Num::F32);
                        is_f32("phi") && (f == "delta_phi" || is_f32("eta"))
                    }
                    _ => false,
                };
                let single = float_angles(&a) && float_angles(&b);
                let num = if single { Num::F32 } else { Num::F64 };
                let ty = if al || bl {
                    Ty::List(num)
                } else {
                    Ty::Num(num)
                };
                let colls = record_colls(&[&a, &b]);
                let (a, b) = (Box::new(a.node), Box::new(b.node));
                let node = if f == "delta_phi" {
                    Node::DeltaPhi {
                        a,
                        b,
                        colls,
                        single,
                    }
                } else {
                    Node::DeltaR {
                        a,
                        b,
                        colls,
                        single,
                    }
                };
                Ok(typed(node, ty))
            }
            _ => Err(ExprError::name(f, span, FUNCTIONS)),
        }
    }

    fn cond_call(
        &self,
        c: Typed,
        a: Typed,
        b: Typed,
        args: &[Expr],
        span: Span,
    ) -> Result<Typed, ExprError> {
        self.cond_typed(c, args[0].span, a, args[1].span, b, args[2].span, span)
    }

    fn reduce(&self, f: &str, a: Typed, aspan: Span, span: Span) -> Result<Typed, ExprError> {
        let r = match f {
            "sum" => Reduce::Sum,
            "prod" => Reduce::Prod,
            "count" => Reduce::Count,
            "any" => Reduce::Any,
            "all" => Reduce::All,
            "min" => Reduce::Min,
            "max" => Reduce::Max,
            "mean" => Reduce::Mean,
            "argmin" => Reduce::ArgMin,
            "argmax" => Reduce::ArgMax,
            _ => Reduce::Len,
        };
        let elem = match &a.ty {
            Ty::List(n) => *n,
            Ty::Objs(_) | Ty::P4List | Ty::Tuples(_)
                if matches!(r, Reduce::Len | Reduce::Count) =>
            {
                Num::I64
            }
            Ty::Objs(_) | Ty::P4List if r == Reduce::Sum => {
                let p = match a.ty {
                    Ty::P4List => a,
                    _ => self.p4_of(a, aspan, Coords::PxPyPzE)?,
                };
                return Ok(typed(
                    Node::Reduce {
                        f: r,
                        arg: Box::new(p.node),
                        num: Num::F64,
                        span,
                    },
                    Ty::P4,
                ));
            }
            t => {
                return Err(ExprError::ty(
                    format!("{f}() needs a list, not a {}", t.describe()),
                    aspan,
                ))
            }
        };
        let out = match r {
            Reduce::Any | Reduce::All => {
                if elem != Num::Bool {
                    return Err(ExprError::ty(
                        format!("{f}() needs a list of bools, not a {}", a.ty.describe()),
                        aspan,
                    ));
                }
                Num::Bool
            }
            Reduce::Count | Reduce::Len | Reduce::ArgMin | Reduce::ArgMax => Num::I64,
            Reduce::Mean => Num::F64,
            Reduce::Sum | Reduce::Prod => {
                if elem == Num::Bool {
                    Num::I64
                } else {
                    elem
                }
            }
            Reduce::Min | Reduce::Max => {
                if elem == Num::Bool {
                    return Err(ExprError::ty(format!("{f}() needs numbers"), aspan));
                }
                // NaN for an empty list: integer lists give doubles.
                if elem.is_integer() {
                    Num::F64
                } else {
                    elem
                }
            }
        };
        let node = match crate::fuse_any::any_pair(r, &a.node, self.registry) {
            Some(plan) => Node::AnyPair {
                arg: Box::new(a.node),
                plan: Box::new(plan),
            },
            None => Node::Reduce {
                f: r,
                arg: Box::new(a.node),
                num: out,
                span,
            },
        };
        Ok(typed(node, Ty::Num(out)))
    }
}

/// The collection versions of record operands (for the eta/phi columns they read).
fn record_colls(ts: &[&Typed]) -> Vec<String> {
    ts.iter()
        .filter_map(|t| match &t.ty {
            Ty::Obj(c) | Ty::Objs(c) => Some(c.clone()),
            _ => None,
        })
        .collect()
}
