"""The demo clinic's education materials: synthetic plain-language text written for Concord.

Not clinical advice: demonstration text only. English texts meet the plain-language targets
of the readability check (reading ease ≥ 60, grade ≤ 8; a test keeps them there).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DemoText:
    title: str
    body: str


@dataclass(frozen=True)
class DemoMaterial:
    key: str
    clinic: str
    author: str
    topic: str
    texts: dict[str, DemoText]  # language → first revision
    medication_names: list[str] = field(default_factory=list)
    atc_codes: list[str] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)
    # Later revisions: language → (title, body, change note)
    revised: dict[str, tuple[str, str, str]] = field(default_factory=dict)


SERTRALINE_EN = """\
Sertraline is a medicine for depression and anxiety. It belongs to a group of medicines \
called SSRIs.

## What it should do

- It can lift your mood and ease worry.
- It can help you sleep and think more clearly.
- Most people notice a change after 2 to 4 weeks. The full effect can take 6 to 8 weeks.

## How to take it

- Take it once a day, at the same time each day.
- You can take it with or without food.
- Keep taking it when you feel better. If you stop too soon, the low mood or worry can come back.

## When to talk to us

- If you feel worse, or have thoughts of harming yourself, call us the same day. At night \
or at the weekend, call the crisis line.
- If you want to stop, talk to us first. We will plan it with you and lower the dose slowly.

We chose this medicine with you. If it does not feel right, tell us. There are other choices.
"""

SERTRALINE_EN_REVISED = SERTRALINE_EN.replace(
    "- You can take it with or without food.\n",
    "- You can take it with or without food.\n"
    "- Alcohol can make you feel more low or sleepy. Try to drink little or none.\n",
)

SERTRALINE_ES = """\
La sertralina es un medicamento para la depresión y la ansiedad. Pertenece a un grupo de \
medicamentos llamados ISRS.

## Qué debería hacer

- Puede mejorar su ánimo y calmar la preocupación.
- Puede ayudarle a dormir y a pensar con más claridad.
- La mayoría de las personas nota un cambio después de 2 a 4 semanas. El efecto completo \
puede tardar de 6 a 8 semanas.

## Cómo tomarla

- Tómela una vez al día, a la misma hora.
- Puede tomarla con o sin comida.
- Siga tomándola cuando se sienta mejor. Si la deja demasiado pronto, el ánimo bajo o la \
preocupación pueden volver.

## Cuándo hablar con nosotros

- Si se siente peor o piensa en hacerse daño, llámenos el mismo día. Por la noche o el fin \
de semana, llame a la línea de crisis.
- Si quiere dejarla, hable primero con nosotros. Lo planearemos juntos y bajaremos la dosis \
poco a poco.

Elegimos este medicamento con usted. Si no le parece bien, díganoslo. Hay otras opciones.
"""

SERTRALINE_ES_REVISED = SERTRALINE_ES.replace(
    "- Puede tomarla con o sin comida.\n",
    "- Puede tomarla con o sin comida.\n"
    "- El alcohol puede hacer que se sienta más decaído o con sueño. Intente beber poco o nada.\n",
)

SSRI_SIDE_EFFECTS_EN = """\
SSRIs are a group of medicines for depression and anxiety. Sertraline, citalopram, \
escitalopram and fluoxetine are SSRIs. Side effects are common in the first weeks. Most of \
them fade within 2 weeks.

## Common side effects

| Side effect | What you can do |
|---|---|
| Feeling sick | Take the tablet with food. |
| Poor sleep | Take it in the morning. |
| Headache | Drink water and rest. Ask us about pain relief. |
| Feeling restless or more anxious | This often passes in a week or two. Tell us if it does not. |
| Less interest in sex | Tell us. We can change the dose or the medicine. |

## Get help the same day if

- you have thoughts of harming yourself
- you feel very restless, hot, shaky or confused
- you see blood when you are sick, or your poo is black

## Do not stop all at once

Stopping all at once can make you dizzy or unwell. If the side effects are hard to live \
with, talk to us. We will find a way that suits you.
"""

SSRI_SIDE_EFFECTS_ES = """\
Los ISRS son un grupo de medicamentos para la depresión y la ansiedad. La sertralina, el \
citalopram, el escitalopram y la fluoxetina son ISRS. Los efectos secundarios son frecuentes \
en las primeras semanas. La mayoría desaparece en 2 semanas.

## Efectos secundarios frecuentes

| Efecto secundario | Qué puede hacer |
|---|---|
| Náuseas | Tome la pastilla con comida. |
| Dormir mal | Tómela por la mañana. |
| Dolor de cabeza | Beba agua y descanse. Pregúntenos por algo para el dolor. |
| Inquietud o más ansiedad | Suele pasar en una o dos semanas. Díganos si no pasa. |
| Menos interés en el sexo | Díganoslo. Podemos cambiar la dosis o el medicamento. |

## Pida ayuda el mismo día si

- piensa en hacerse daño
- se siente muy inquieto, con calor, temblores o confusión
- ve sangre al vomitar o sus heces son negras

## No lo deje de golpe

Dejarlo de golpe puede causar mareo o malestar. Si los efectos secundarios le resultan \
difíciles, hable con nosotros. Buscaremos juntos la mejor manera.
"""

STOPPING_EN = """\
Some people stop their antidepressant when they have felt well for a while. This is a \
choice we make together.

## Why not stop all at once

Your body gets used to the medicine. If you stop all at once, you may feel dizzy, sick, \
tired or low. Some people feel short "electric shocks" in the head. This does not mean you \
are addicted. It means the change was too fast.

## How we do it

- We lower the dose in small steps, over weeks or months.
- You tell us how each step feels.
- If you feel worse, we can slow down or go back a step.

## Signs to watch for

Low mood or worry that comes back and stays for more than 2 weeks may mean it is too soon. \
Talk to us. It is not a failure.
"""

HOME_EXERCISES_EN = """\
Your exercises are part of your treatment. Doing them most days helps you heal and get \
stronger.

## Before you start

- Wear loose clothes and flat shoes.
- Clear a space so you cannot trip.
- Have a chair or a wall close by for balance.

## While you exercise

- Move slowly and breathe as normal. Do not hold your breath.
- Some ache is normal. A mild ache that settles within an hour is fine.
- Stop if the pain is sharp, or much worse than usual.

## Keep track

Write down what you did each day. Bring your notes to your next visit. We will change the \
plan with you as you get stronger.

## Call us if

- your pain is worse for more than 2 days
- you have new numbness, tingling or weakness
- you have pain in your chest or feel short of breath
"""

HOME_EXERCISES_ES = """\
Sus ejercicios son parte de su tratamiento. Hacerlos casi todos los días le ayuda a curarse \
y a ponerse más fuerte.

## Antes de empezar

- Use ropa cómoda y zapatos planos.
- Despeje el espacio para no tropezar.
- Tenga una silla o una pared cerca para apoyarse.

## Mientras hace los ejercicios

- Muévase despacio y respire con normalidad. No aguante la respiración.
- Es normal sentir algo de molestia. Una molestia leve que se calma en una hora está bien.
- Pare si el dolor es agudo o mucho peor que de costumbre.

## Lleve un registro

Anote lo que hizo cada día. Traiga sus notas a la próxima visita. Cambiaremos el plan con \
usted a medida que se ponga más fuerte.

## Llámenos si

- el dolor empeora durante más de 2 días
- tiene entumecimiento, hormigueo o debilidad nuevos
- tiene dolor en el pecho o le falta el aire
"""

BACK_PAIN_EN = """\
Most back pain gets better within a few weeks. Staying active is one of the best things you \
can do.

## What helps

- Keep moving. Short walks are good. Try to walk a little further each day.
- Do not stay in bed for long. It can make your back stiff and weak.
- A heat pack can ease the pain.
- Go back to work and your usual tasks as soon as you can, even if it still hurts a bit.

## Pain does not always mean harm

Back pain can be scary. In most cases it does not mean damage. Gentle movement helps your \
back heal.

## Get help straight away if

- you cannot control when you pee or poo
- you have numbness around your bottom or genitals
- the weakness in your legs gets worse
"""

METFORMIN_EN = """\
Metformin is a medicine for type 2 diabetes. It lowers the sugar in your blood.

## What it should do

Too much sugar in the blood can harm your eyes, kidneys, nerves and heart over many years. \
Metformin helps keep your blood sugar in a safer range. It works best with healthy food and \
being active.

## How to take it

- Take it with a meal, or just after.
- We start with a low dose. We raise it slowly so your stomach can get used to it.

## Side effects

- An upset stomach or loose poo is common at first. It often settles in a few weeks.
- Tell us if it does not settle. A slow-release tablet may suit you better.

## Tell us before

- an operation, or a scan that uses dye
- a long spell of being sick. You may need to pause the medicine for a day or two.
"""

MATERIALS = [
    DemoMaterial(
        key="sertraline",
        clinic="Riverside Mental Health",
        author="dr.okafor",
        topic="medication",
        texts={
            "en": DemoText("Why you are taking sertraline", SERTRALINE_EN),
            "es": DemoText("Por qué toma sertralina", SERTRALINE_ES),
        },
        medication_names=["Sertraline"],
        atc_codes=["N06AB06"],
        conditions=["depression", "anxiety"],
        revised={
            "en": (
                "Why you are taking sertraline",
                SERTRALINE_EN_REVISED,
                "Added a line about alcohol.",
            ),
            "es": (
                "Por qué toma sertralina",
                SERTRALINE_ES_REVISED,
                "Añadida una línea sobre el alcohol.",
            ),
        },
    ),
    DemoMaterial(
        key="ssri_side_effects",
        clinic="Riverside Mental Health",
        author="dr.okafor",
        topic="medication",
        texts={
            "en": DemoText("Side effects of SSRIs and what to do", SSRI_SIDE_EFFECTS_EN),
            "es": DemoText("Efectos secundarios de los ISRS y qué hacer", SSRI_SIDE_EFFECTS_ES),
        },
        medication_names=["Sertraline", "Citalopram", "Escitalopram", "Fluoxetine"],
        atc_codes=["N06AB"],
    ),
    DemoMaterial(
        key="stopping",
        clinic="Riverside Mental Health",
        author="sam.rivera",
        topic="condition",
        texts={"en": DemoText("Stopping an antidepressant safely", STOPPING_EN)},
        atc_codes=["N06A"],
        conditions=["depression"],
    ),
    DemoMaterial(
        key="home_exercises",
        clinic="Riverside Rehabilitation",
        author="lena.fischer",
        topic="self_care",
        texts={
            "en": DemoText("Doing your home exercises safely", HOME_EXERCISES_EN),
            "es": DemoText("Cómo hacer sus ejercicios en casa con seguridad", HOME_EXERCISES_ES),
        },
        conditions=["back pain", "knee", "shoulder", "stroke"],
    ),
    DemoMaterial(
        key="back_pain",
        clinic="Riverside Rehabilitation",
        author="lena.fischer",
        topic="condition",
        texts={"en": DemoText("Low back pain: staying active", BACK_PAIN_EN)},
        conditions=["back pain"],
    ),
    DemoMaterial(
        key="metformin",
        clinic="Riverside Primary Care",
        author="mei.chen",
        topic="medication",
        texts={"en": DemoText("Why you are taking metformin", METFORMIN_EN)},
        medication_names=["Metformin"],
        atc_codes=["A10BA02"],
        conditions=["diabetes"],
    ),
]
