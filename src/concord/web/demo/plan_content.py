"""The words of the demo clinic's shared plans: goals as patients say them (with the
clinician's restatement, why it matters and a measurable target), psychotherapy homework and
home-exercise programmes. Synthetic, written for the demo."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GoalIdea:
    words: str  # the patient's own words
    restatement: str  # the clinician's wording
    why: str  # why it matters to the patient
    target: str  # measurable target
    weeks: int  # timeline
    sharper_target: str = ""  # a revision's clearer target, when the goal is revised


@dataclass(frozen=True)
class HomeworkIdea:
    title: str
    instructions: str
    times_per_day: int
    days_per_week: int


@dataclass(frozen=True)
class ExerciseIdea:
    name: str
    sets: int
    repetitions: int | None
    hold_seconds: int | None
    times_per_day: int
    days_per_week: int
    instructions: str


GOALS: dict[str, list[GoalIdea]] = {
    "Depression": [
        GoalIdea(
            "I want to get up before nine and have a reason to get dressed.",
            "Regular morning routine with one planned activity a day (behavioural activation).",
            "My kids notice when I'm still in bed when they get home.",
            "Up and dressed by 9:00 on 5 of 7 days.",
            8,
            "Up by 9:00 on weekdays, with one thing planned for the morning.",
        ),
        GoalIdea(
            "Go back to my Saturday walking group.",
            "Resume a valued social activity weekly.",
            "I miss my friends there; they keep texting me.",
            "Walk with the group three Saturdays in a row.",
            10,
        ),
        GoalIdea(
            "Stop lying awake going over everything at night.",
            "Reduce night-time rumination; improve sleep onset.",
            "I'm exhausted at work and snapping at people.",
            "Asleep within 30 minutes on most nights.",
            8,
        ),
        GoalIdea(
            "Feel like myself again and laugh with my partner.",
            "Increase positive activities shared with partner.",
            "We used to be close and I feel I'm pushing him away.",
            "One thing we both enjoy together every week.",
            12,
        ),
    ],
    "Generalised anxiety": [
        GoalIdea(
            "Worry less when my kids are out in the evening.",
            "Reduce uncontrollable worry; scheduled worry time.",
            "I ruin our evenings checking my phone every five minutes.",
            "Check the phone no more than twice in an evening.",
            8,
            "Check the phone at 20:00 and 22:00 only, three evenings a week.",
        ),
        GoalIdea(
            "Drive on the motorway again.",
            "Graded exposure to motorway driving.",
            "My new job is two towns away.",
            "Drive one junction on the motorway alone.",
            12,
        ),
        GoalIdea(
            "Say no at work without feeling sick about it for days.",
            "Assertiveness practice; reduce anticipatory anxiety.",
            "I end up doing everyone's shifts and I'm worn out.",
            "Turn down one extra request a week.",
            10,
        ),
    ],
    "Panic disorder": [
        GoalIdea(
            "Take the bus into town on my own.",
            "Graded exposure to public transport.",
            "I want to visit my sister without needing a lift.",
            "A return bus trip to town alone.",
            10,
            "Ride the bus four stops alone and stay on until the anxiety halves.",
        ),
        GoalIdea(
            "Go to the supermarket when it's busy and not leave the trolley.",
            "Exposure to crowded shops without safety behaviours.",
            "I do the shopping at 6 am to avoid people and I'm tired of it.",
            "Full weekly shop on a Saturday morning.",
            8,
        ),
        GoalIdea(
            "Understand what is happening in my body when the panic starts.",
            "Psychoeducation: re-appraise bodily sensations as not dangerous.",
            "I keep thinking I'm having a heart attack.",
            "Explain the panic cycle in my own words and use it in an attack.",
            4,
        ),
    ],
    "Bipolar disorder": [
        GoalIdea(
            "Keep my sleep regular, weekends too.",
            "Stabilise the sleep-wake rhythm (social rhythm therapy).",
            "Less sleep is always the first sign something is starting.",
            "In bed by 23:30 and up by 7:30 on 6 of 7 nights.",
            8,
        ),
        GoalIdea(
            "Notice early when I'm getting high, before things go wrong.",
            "Relapse signature and early warning plan.",
            "Last time I lost my job and a lot of money.",
            "A written early warning plan shared with my partner.",
            6,
        ),
        GoalIdea(
            "Take my lithium every day without having to think about it.",
            "Habit-based adherence to lithium.",
            "My levels were all over the place last year.",
            "No missed doses in a month.",
            6,
        ),
    ],
    "Low back pain": [
        GoalIdea(
            "Pick up my grandson without my back going.",
            "Improve lifting tolerance; loaded hip hinge.",
            "He's two and always wants to be carried.",
            "Lift 12 kg from the floor with pain under 3/10.",
            8,
            "Lift 12 kg from the floor five times with pain under 3/10.",
        ),
        GoalIdea(
            "Sit through a whole film at the cinema.",
            "Increase sitting tolerance to two hours.",
            "Film night is our thing and I keep missing it.",
            "Sit for two hours with pain under 4/10.",
            6,
        ),
        GoalIdea(
            "Get back to my allotment.",
            "Return to gardening with pacing.",
            "It's where I switch off.",
            "Two hours of gardening twice a week.",
            10,
        ),
    ],
    "Knee replacement rehabilitation": [
        GoalIdea(
            "Walk to the shops and back without my stick.",
            "Independent community walking, 800 m, no aid.",
            "I want my independence back.",
            "Walk 800 m without the stick.",
            10,
            "Walk 800 m without the stick, twice, with pain under 3/10.",
        ),
        GoalIdea(
            "Go up the stairs normally, one foot on each step.",
            "Reciprocal stair climbing.",
            "Our bedroom is upstairs and I hate being slow.",
            "A flight of 14 steps, step over step, with the rail.",
            8,
        ),
        GoalIdea(
            "Bend my knee enough to get in and out of the car easily.",
            "Knee flexion of at least 105 degrees.",
            "My daughter drives me to church.",
            "Knee bends to 105 degrees.",
            6,
        ),
    ],
    "Stroke rehabilitation": [
        GoalIdea(
            "Make my own cup of tea again.",
            "Independent hot-drink preparation (kitchen task practice).",
            "I hate having to ask for everything.",
            "Make a cup of tea safely, on my own, three days running.",
            8,
        ),
        GoalIdea(
            "Do up my shirt buttons with my right hand.",
            "Improve right-hand fine motor control.",
            "I want to dress myself for my granddaughter's wedding.",
            "Button a shirt in under five minutes.",
            10,
        ),
        GoalIdea(
            "Walk to the end of the garden safely.",
            "Outdoor walking on uneven ground with a stick.",
            "I want to sit out by the pond in the summer.",
            "Walk 30 m on the lawn with the stick and no falls.",
            8,
        ),
    ],
    "Shoulder injury": [
        GoalIdea(
            "Reach the top shelf in the kitchen.",
            "Restore shoulder flexion to 160 degrees.",
            "Everything I use is up there.",
            "Put a 1 kg tin on the top shelf without pain.",
            8,
        ),
        GoalIdea(
            "Sleep on my left side without waking up in pain.",
            "Reduce night pain; improve tolerance of side lying.",
            "I haven't slept properly in months.",
            "Sleep through on my left side 5 nights a week.",
            6,
        ),
        GoalIdea(
            "Swim front crawl again.",
            "Return to overhead sport.",
            "Swimming is how I keep my head straight.",
            "Swim 10 lengths of front crawl.",
            12,
        ),
    ],
    "Hypertension": [
        GoalIdea(
            "Get my blood pressure down so I stop worrying about a stroke.",
            "Home blood pressure below 135/85.",
            "My dad had a stroke at sixty.",
            "Home average below 135/85 over a week.",
            12,
        ),
        GoalIdea(
            "Cut down on salt without hating my food.",
            "Reduce dietary salt to under 6 g a day.",
            "I cook for the whole family.",
            "Cook without added salt five days a week.",
            8,
        ),
    ],
    "Type 2 diabetes": [
        GoalIdea(
            "Get my sugars under control so I don't need insulin.",
            "HbA1c below 53 mmol/mol.",
            "My mum had to inject and she hated it.",
            "HbA1c below 53 at the next check.",
            12,
        ),
        GoalIdea(
            "Walk after dinner most days.",
            "30 minutes of walking after the evening meal, 5 days a week.",
            "It's the only time I get to myself.",
            "Walk 30 minutes after dinner on 5 days a week.",
            8,
        ),
    ],
    "Asthma": [
        GoalIdea(
            "Play football with my son without stopping for my inhaler.",
            "Exercise without reliever use.",
            "He's started a team and I want to help coach.",
            "A full training session without the blue inhaler.",
            10,
        ),
        GoalIdea(
            "Sleep through without waking up coughing.",
            "No night-time symptoms.",
            "I'm wrecked at work.",
            "No waking with asthma for two weeks.",
            8,
        ),
    ],
    "Medication review": [
        GoalIdea(
            "Understand what each of my tablets is for.",
            "Medicines knowledge and a simplified regimen.",
            "I take eleven tablets and I don't know why.",
            "Explain each medicine's purpose from my own list.",
            4,
        ),
        GoalIdea(
            "Stop missing doses when I'm on night shifts.",
            "Dose timing adapted to shift work.",
            "I'm scared my levels go down.",
            "No missed doses over a month of shifts.",
            8,
        ),
    ],
}

HOMEWORK: dict[str, list[HomeworkIdea]] = {
    "Depression": [
        HomeworkIdea(
            "Activity diary",
            "Each evening write what you did and rate your mood 0-10 for each part of the day.",
            1,
            7,
        ),
        HomeworkIdea(
            "One planned pleasant activity",
            "Do the activity we planned in the session, even if you don't feel like it first.",
            1,
            3,
        ),
        HomeworkIdea(
            "Thought record",
            "When your mood drops, write the situation, the thought, and another way to see it.",
            1,
            4,
        ),
    ],
    "Generalised anxiety": [
        HomeworkIdea(
            "Worry time",
            "15 minutes at 18:00: write the worries down. Outside this time, postpone them.",
            1,
            7,
        ),
        HomeworkIdea(
            "Slow breathing practice",
            "Breathe slowly, about six breaths a minute, for five minutes.",
            2,
            7,
        ),
    ],
    "Panic disorder": [
        HomeworkIdea(
            "Exposure practice",
            "Do the next step on your ladder and stay until the anxiety has dropped by half.",
            1,
            3,
        ),
        HomeworkIdea(
            "Slow breathing practice",
            "Breathe slowly, about six breaths a minute, for five minutes.",
            2,
            7,
        ),
    ],
    "Bipolar disorder": [
        HomeworkIdea(
            "Sleep and mood chart",
            "Each morning write your bedtime, wake time and mood from -5 to +5.",
            1,
            7,
        ),
        HomeworkIdea(
            "Regular daily rhythm",
            "Get up, eat and go to bed at the times we agreed; note any change.",
            1,
            7,
        ),
    ],
    "Type 2 diabetes": [
        HomeworkIdea(
            "Walk after dinner",
            "A 30-minute walk after the evening meal, at a pace where you can still talk.",
            1,
            5,
        ),
    ],
    "Hypertension": [
        HomeworkIdea(
            "Home blood pressure readings",
            "Two readings, morning and evening, seated after five minutes' rest; write them down.",
            2,
            3,
        ),
    ],
}

PROGRAMMES: dict[str, tuple[str, list[ExerciseIdea]]] = {
    "Low back pain": (
        "Back programme",
        [
            ExerciseIdea("Pelvic tilt", 3, 10, None, 1, 5, "Lying on your back, knees bent."),
            ExerciseIdea("Bridging", 3, 10, 3, 1, 5, "Squeeze your bottom; lift until straight."),
            ExerciseIdea("Cat and camel", 2, 10, None, 1, 7, "Slowly, within comfort."),
            ExerciseIdea("Bird dog", 3, 8, 5, 1, 3, "Keep your back level like a table."),
        ],
    ),
    "Knee replacement rehabilitation": (
        "Knee programme",
        [
            ExerciseIdea("Quadriceps sets", 3, 10, 5, 2, 7, "Press the back of the knee down."),
            ExerciseIdea("Heel slides", 3, 15, None, 2, 7, "Slide the heel towards you."),
            ExerciseIdea("Straight leg raise", 3, 10, None, 1, 7, "Lock the knee first."),
            ExerciseIdea("Sit to stand", 2, 8, None, 1, 5, "From a firm chair; no hands."),
        ],
    ),
    "Stroke rehabilitation": (
        "Hand and arm programme",
        [
            ExerciseIdea("Putty squeeze", 3, 10, None, 2, 7, "Right hand; squeeze and release."),
            ExerciseIdea("Finger walking", 2, 10, None, 1, 7, "Walk the fingers up the wall."),
            ExerciseIdea("Reaching practice", 2, 10, None, 1, 5, "Reach for the cup and back."),
            ExerciseIdea("Standing balance", 3, None, 20, 1, 5, "Hold the kitchen worktop."),
        ],
    ),
    "Shoulder injury": (
        "Shoulder programme",
        [
            ExerciseIdea("Pendulum", 3, None, 30, 2, 7, "Let the arm hang and circle."),
            ExerciseIdea("Wall slides", 3, 10, None, 1, 7, "Slide up as far as comfortable."),
            ExerciseIdea("External rotation with band", 3, 12, None, 1, 3, "Elbow at your side."),
            ExerciseIdea("Shoulder blade squeeze", 3, 10, 5, 1, 5, "Squeeze and hold."),
        ],
    ),
}

# Day numbers (Monday 0) on which an activity done on n days a week usually falls.
USUAL_DAYS = {
    7: (0, 1, 2, 3, 4, 5, 6),
    6: (0, 1, 2, 3, 4, 5),
    5: (0, 1, 2, 3, 4),
    4: (0, 1, 3, 5),
    3: (0, 2, 4),
    2: (1, 4),
    1: (5,),
}
